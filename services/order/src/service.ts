import { z } from 'zod';
import { alreadyExists, failedPrecondition, invalidArgument, isDomainError, notFound, unavailable } from '@emporium/kit/errors.js';
import { MAX_BATCH } from '@emporium/kit/batch.js';
import { newId, parseId } from '@emporium/kit/ids.js';
import { decodePageToken, keysetPage, parsePageSize } from '@emporium/kit/pagination.js';
import {
  totalOf,
  type AccountDirectory,
  type AccountOrders,
  type CrashPoint,
  type NewOrderInput,
  type Order,
  type OrderPage,
  type ReservedLine,
  type StockKeeper,
  type StoredOrder,
} from './model.js';
import { DEFINITIVE, TOTAL_OUT_OF_RANGE, fingerprint, parseKey, parseLines, rejectedError, rejectionOf } from './order-request.js';
import { reconcilerAction } from './metrics.js';
import type { OrderRepository } from './repository.js';

// The life of an order: PENDING -> PLACED or REJECTED, PLACED -> CANCELLED, and the reconciler's
// passes that finish what a crash or an unreachable Catalog left. What a valid request is and what
// a refusal means are order-request.ts.

const pageKey = z.object({ id: z.uuid() });

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
      const action = order.createTime.getTime() <= now - timeout ? 'give_up' : 'settle';
      try {
        if (action === 'give_up') {
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
        reconcilerAction(action, 'ok');
        finished++;
      } catch {
        reconcilerAction(action, 'failed');
        // Still unreachable: the next pass tries again.
      }
    }
    for (const id of await this.orders.findReleasePending(new Date(now - after), batch)) {
      try {
        await this.finishRelease(id);
        reconcilerAction('release', 'ok');
        finished++;
      } catch {
        reconcilerAction('release', 'failed');
        // Still unreachable: the next pass tries again.
      }
    }
    return finished;
  }
}
