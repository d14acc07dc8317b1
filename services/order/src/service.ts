import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  DomainError,
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  isDomainError,
  notFound,
  unavailable,
  type ErrorKind,
  type StockShortage,
} from '@emporium/kit/errors.js';
import { MAX_BATCH } from '@emporium/kit/batch.js';
import { newId, parseId } from '@emporium/kit/ids.js';
import { checkedTotal, multiply, type Money } from '@emporium/kit/money.js';
import { decodePageToken, keysetPage, parsePageSize } from '@emporium/kit/pagination.js';
import type { OrderRepository, StoredOrder } from './repository.js';

export type OrderStatus = 'PENDING' | 'PLACED' | 'REJECTED' | 'CANCELLED';

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  /** The reservation's snapshot; absent while the order is PENDING or if it was rejected. */
  readonly name?: string;
  readonly unitPrice?: Money;
}

/** Why an order was rejected, kept so that a retry with the same key gets the same answer. */
export interface Rejection {
  readonly kind: ErrorKind;
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
  readonly shortages: readonly StockShortage[];
}

export interface Order {
  readonly id: string;
  readonly accountId: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLine[];
  readonly total?: Money;
  readonly rejection?: Rejection;
  readonly createTime: Date;
  readonly updateTime: Date;
}

export interface OrderPage {
  readonly orders: Order[];
  readonly nextPageToken: string;
  readonly totalSize: number;
}

export interface AccountOrders extends OrderPage {
  readonly accountId: string;
}

/** What the Order service needs from the Account service. */
export interface AccountDirectory {
  /** False when no account has this id; throws UNAVAILABLE-like DomainErrors when it cannot tell. */
  exists(accountId: string): Promise<boolean>;
}

export interface ReservedLine {
  readonly productId: string;
  readonly name: string;
  readonly unitPrice: Money;
  readonly quantity: number;
}

/** What the Order service needs from the Catalog service. Both calls are idempotent by reservation id. */
export interface StockKeeper {
  reserve(reservationId: string, lines: ReadonlyArray<{ productId: string; quantity: number }>): Promise<ReservedLine[]>;
  release(reservationId: string): Promise<void>;
}

export interface NewOrderInput {
  readonly accountId: string;
  readonly lines: ReadonlyArray<{ readonly productId: string; readonly quantity: number }>;
  readonly idempotencyKey: string;
}

/** Steps of CreateOrder where a test may make the process die, to prove recovery. */
export type CrashPoint = 'after-pending' | 'after-reserve';

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1_000;
const MAX_KEY_LENGTH = 200;
const KEY = /^[\x21-\x7e]+$/;
const pageKey = z.object({ id: z.uuid() });

/** Errors that say the Catalog decided: no stock, no such product, a bad request. Anything else may be transient. */
const DEFINITIVE: ReadonlySet<ErrorKind> = new Set(['FAILED_PRECONDITION', 'NOT_FOUND', 'INVALID_ARGUMENT', 'ALREADY_EXISTS']);

function parseLines(lines: NewOrderInput['lines']): Array<{ productId: string; quantity: number }> {
  if (lines.length === 0) throw invalidArgument('lines', 'must have at least one line');
  if (lines.length > MAX_LINES) throw invalidArgument('lines', `must have at most ${MAX_LINES} lines`);
  const merged = new Map<string, number>();
  lines.forEach((line, index) => {
    const productId = parseId(line.productId, `lines[${index}].product_id`);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      throw invalidArgument(`lines[${index}].quantity`, `must be between 1 and ${MAX_QUANTITY}`);
    }
    const quantity = (merged.get(productId) ?? 0) + line.quantity;
    if (quantity > MAX_QUANTITY) {
      throw invalidArgument(`lines[${index}].quantity`, `adds up to more than ${MAX_QUANTITY} of product ${productId}`);
    }
    merged.set(productId, quantity);
  });
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

function parseKey(key: string): string | undefined {
  if (key === '') return undefined;
  if (key.length > MAX_KEY_LENGTH || !KEY.test(key)) {
    throw invalidArgument('idempotency_key', `must be 1-${MAX_KEY_LENGTH} printable ASCII characters without spaces`);
  }
  return key;
}

/** The same request always has the same fingerprint, whatever the order or split of its lines. */
function fingerprint(accountId: string, lines: ReadonlyArray<{ productId: string; quantity: number }>): string {
  const canonical = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
  return createHash('sha256').update(JSON.stringify({ accountId, lines: canonical })).digest('base64url');
}

/**
 * What the Catalog's refusal means for this order, in the order's terms: the Catalog names fields
 * of its own request (its merged lines), which the caller of CreateOrder never saw.
 */
function rejectionOf(error: DomainError): Rejection {
  const message =
    error.reason === 'OUT_OF_STOCK'
      ? `not enough stock: ${error.shortages
          .map((s) => `product ${s.productId} has ${s.available} available, ${s.requested} requested`)
          .join('; ')}`
      : error.message.replace(/^lines\[\d+\]\.[a-z_]+: /, '');
  return { kind: error.kind, reason: error.reason, message, field: 'lines', shortages: error.shortages };
}

/**
 * The rejection of an order whose reservation came back with a total no order can hold. A catalog
 * of this release refuses such a reservation before taking stock; this is the guard for one that
 * did not (a reservation taken by an older release, replayed).
 */
const TOTAL_OUT_OF_RANGE: Rejection = {
  kind: 'FAILED_PRECONDITION',
  reason: 'TOTAL_OUT_OF_RANGE',
  message: 'the total would exceed the largest amount an order can hold; nothing is held',
  field: 'lines',
  shortages: [],
};

/** The error a rejected order answers with, the first time and on every retry. */
function rejectedError(order: Order): DomainError {
  const rejection = order.rejection;
  const message = `order ${order.id} was rejected: ${rejection?.message ?? 'it could not be placed'}`;
  return new DomainError(rejection?.kind ?? 'FAILED_PRECONDITION', message, {
    reason: rejection?.reason ?? 'REJECTED',
    ...(rejection?.field === undefined ? {} : { field: rejection.field }),
    shortages: rejection?.shortages ?? [],
  });
}

export function lineSubtotal(line: OrderLine): Money | undefined {
  return line.unitPrice && multiply(line.unitPrice, line.quantity);
}

export interface OrderServiceOptions {
  /** Called at each crash point of CreateOrder (tests make it kill the process). */
  readonly crashPoint?: (point: CrashPoint) => void;
}

export class OrderService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly accounts: AccountDirectory,
    private readonly stock: StockKeeper,
    private readonly options: OrderServiceOptions = {},
  ) {}

  /**
   * Writes the order PENDING, reserves its stock, then records PLACED with the reservation's
   * snapshot, or REJECTED. With a key, every retry (concurrent or later) lands on the same order.
   */
  async createOrder(input: NewOrderInput): Promise<Order> {
    const accountId = parseId(input.accountId, 'account_id');
    const lines = parseLines(input.lines);
    const key = parseKey(input.idempotencyKey);
    const requestFingerprint = fingerprint(accountId, lines);

    if (key !== undefined) {
      const existing = await this.orders.findByKey(accountId, key);
      if (existing) return this.retry(existing, requestFingerprint);
    }
    if (!(await this.accounts.exists(accountId))) {
      throw failedPrecondition(`account_id: no account has id ${accountId}`, { field: 'account_id', reason: 'ACCOUNT_NOT_FOUND' });
    }
    const { stored, created } = await this.orders.insertPending({
      id: newId(),
      accountId,
      idempotencyKey: key,
      requestFingerprint,
      lines,
    });
    // Another call with the same key got there first: this is a retry of that order.
    if (!created) return this.retry(stored, requestFingerprint);
    this.options.crashPoint?.('after-pending');
    return this.settle(stored.order);
  }

  private async retry(existing: StoredOrder, requestFingerprint: string): Promise<Order> {
    if (existing.requestFingerprint !== requestFingerprint) {
      throw alreadyExists('was already used for a different order', 'idempotency_key');
    }
    return this.settle(existing.order);
  }

  /**
   * Brings a PENDING order to PLACED or REJECTED by (re)asking the Catalog for its reservation —
   * safe to repeat, and safe to run concurrently with itself: the first recorded outcome wins.
   * Answers with the order, or with the rejection as an error.
   */
  private async settle(order: Order): Promise<Order> {
    if (order.status === 'PENDING') {
      let reserved: ReservedLine[];
      try {
        reserved = await this.stock.reserve(order.id, order.lines);
      } catch (error) {
        if (!isDomainError(error) || !DEFINITIVE.has(error.kind)) {
          throw unavailable(`the catalog did not confirm the stock for order ${order.id}; it will be placed or rejected shortly`);
        }
        await this.orders.markRejected(order.id, rejectionOf(error), { releaseStock: false });
        return this.outcome(order.id);
      }
      this.options.crashPoint?.('after-reserve');
      const total = totalOf(reserved);
      if (total === undefined) {
        // Recorded before the release, as a give-up is, so the stock is released exactly once
        // (now, or by the reconciler if the Catalog does not answer).
        if (await this.orders.markRejected(order.id, TOTAL_OUT_OF_RANGE, { releaseStock: true })) {
          await this.finishRelease(order.id).catch(() => undefined);
        }
        return this.outcome(order.id);
      }
      await this.orders.markPlaced(order.id, reserved, total);
      return this.outcome(order.id);
    }
    if (order.status === 'REJECTED') throw rejectedError(order);
    return order;
  }

  private async outcome(id: string): Promise<Order> {
    const order = await this.orders.findById(id);
    if (!order) throw new Error(`order ${id} vanished`);
    if (order.status === 'REJECTED') throw rejectedError(order);
    return order;
  }

  async getOrder(id: string): Promise<Order> {
    const order = await this.orders.findById(parseId(id, 'id'));
    if (!order) throw notFound(`no order has id ${id}`, 'id');
    return order;
  }

  async listOrders(accountId: string, pageSize: number, pageToken: string): Promise<OrderPage> {
    const account = parseId(accountId, 'account_id');
    const size = parsePageSize(pageSize);
    const after = decodePageToken(pageToken, { orders: account }, pageKey);
    const [rows, totalSize] = await Promise.all([
      this.orders.listNewestFirst(account, size + 1, after?.id),
      this.orders.countForAccount(account),
    ]);
    return this.page(account, rows, size, totalSize);
  }

  /** The first page of each account's orders, from one database query. */
  async batchListAccountOrders(accountIds: readonly string[], pageSize: number): Promise<AccountOrders[]> {
    if (accountIds.length > MAX_BATCH) throw invalidArgument('account_ids', `must have at most ${MAX_BATCH} entries`);
    const ids = accountIds.map((id, index) => parseId(id, `account_ids[${index}]`));
    const size = parsePageSize(pageSize);
    const firstPages = await this.orders.firstPages([...new Set(ids)], size + 1);
    return ids.map((accountId) => {
      const found = firstPages.get(accountId);
      return { accountId, ...this.page(accountId, found?.orders ?? [], size, found?.totalSize ?? 0) };
    });
  }

  private page(accountId: string, rows: Order[], size: number, totalSize: number): OrderPage {
    const { items: orders, nextPageToken } = keysetPage(rows, size, { orders: accountId }, (last) => ({ id: last.id }));
    return { orders, nextPageToken, totalSize };
  }

  /**
   * PLACED -> CANCELLED, then the stock goes back. The status change and the "release pending"
   * mark are one write, so a crash before the Catalog confirms leaves a to-do the reconciler
   * finishes; the Catalog releases a reservation once however often it is asked.
   */
  async cancelOrder(id: string): Promise<Order> {
    const order = await this.getOrder(id);
    if (order.status === 'PENDING' || order.status === 'REJECTED') {
      throw failedPrecondition(`order ${order.id} is ${order.status} and cannot be cancelled`, { reason: 'NOT_CANCELLABLE' });
    }
    if (order.status === 'PLACED') await this.orders.markCancelled(order.id);
    await this.finishRelease(order.id).catch(() => undefined);
    const cancelled = await this.getOrder(order.id);
    if (cancelled.status !== 'CANCELLED') {
      throw failedPrecondition(`order ${order.id} is ${cancelled.status} and cannot be cancelled`, { reason: 'NOT_CANCELLABLE' });
    }
    return cancelled;
  }

  private async finishRelease(id: string): Promise<void> {
    if (!(await this.orders.isReleasePending(id))) return;
    await this.stock.release(id);
    await this.orders.clearReleasePending(id);
  }

  /**
   * One reconciler pass: settles PENDING orders older than `after`, gives up (release, then
   * REJECTED) on those older than `timeout`, and retries releases the Catalog has not confirmed.
   * Returns how many orders it finished.
   */
  async reconcile(after: number, timeout: number, batch = 50): Promise<number> {
    const now = Date.now();
    let finished = 0;
    for (const order of await this.orders.findPending(new Date(now - after), batch)) {
      try {
        if (order.createTime.getTime() <= now - timeout) {
          const gaveUp = await this.orders.markRejected(
            order.id,
            {
              kind: 'FAILED_PRECONDITION',
              reason: 'PENDING_TIMEOUT',
              message: 'the stock could not be confirmed in time; nothing is held',
              shortages: [],
            },
            { releaseStock: true },
          );
          if (gaveUp) await this.finishRelease(order.id);
        } else {
          await this.settle(order).catch((error: unknown) => {
            if (!isDomainError(error) || error.kind === 'UNAVAILABLE') throw error;
          });
        }
        finished++;
      } catch {
        // Still unreachable: the next pass tries again.
      }
    }
    for (const id of await this.orders.findReleasePending(new Date(now - after), batch)) {
      try {
        await this.finishRelease(id);
        finished++;
      } catch {
        // Still unreachable: the next pass tries again.
      }
    }
    return finished;
  }
}

/** The order's total from its reservation; undefined when it does not fit int64. */
export function totalOf(lines: readonly ReservedLine[]): Money | undefined {
  return checkedTotal(lines, lines[0]?.unitPrice.currencyCode ?? 'USD');
}
