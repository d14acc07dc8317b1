import { useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, execute, messageOf, orNull } from '../api';
import { useAuth } from '../auth';
import { cart, MAX_QUANTITY, useCart, type CartLine } from '../cart';
import { checkoutKey, endCheckout } from '../checkout';
import { graphql } from '../gen';
import { useLoad } from '../load';
import { sameAmount, showMoney, sum, times, type Money } from '../money';
import { stockWords } from '../stock';
import { ErrorMessage, Hidden, Loading } from '../ui';

export const CartProductDocument = graphql(`
  query CartProduct($id: ID!) {
    product(id: $id) {
      ...ProductSummary
    }
  }
`);

export const PlaceOrderDocument = graphql(`
  mutation PlaceOrder($input: CreateOrderInput!) {
    createOrder(input: $input) {
      id
      status
    }
  }
`);

interface Current {
  readonly name: string;
  readonly price: Money;
  readonly stock: number;
}

export interface Shortage {
  readonly productId: string;
  readonly requested: number;
  readonly available: number;
}

/** The shortages an OUT_OF_STOCK error lists in extensions.shortages. */
export function shortagesOf(error: ApiError): Shortage[] {
  const list = error.errors[0]?.extensions?.shortages;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { productId, requested, available } = item as Record<string, unknown>;
    return typeof productId === 'string' && typeof requested === 'number' && typeof available === 'number' ? [{ productId, requested, available }] : [];
  });
}

function changesOf(line: CartLine, current: Current | null | undefined): string[] {
  if (current === undefined) return [];
  if (current === null) return ['This product is no longer sold: remove it to place your order.'];
  const changes: string[] = [];
  if (current.name !== line.name) changes.push(`Renamed since you added it (was “${line.name}”).`);
  if (!sameAmount(current.price.amount, line.price.amount) || current.price.currencyCode !== line.price.currencyCode) {
    changes.push(`Price changed since you added it: was ${showMoney(line.price)}, now ${showMoney(current.price)}.`);
  }
  if (current.stock <= 0) changes.push('Sold out since you added it.');
  else if (current.stock < line.quantity) changes.push(`Only ${current.stock} left: fewer than you want.`);
  return changes;
}

export function CartPage() {
  const auth = useAuth();
  const navigate = useNavigate();
  const lines = useCart();
  const ids = lines.map((line) => line.productId).join(',');
  const currents = useLoad(async () => {
    const entries = await Promise.all(
      lines.map(async (line) => [line.productId, (await orNull(execute(CartProductDocument, { id: line.productId })))?.product ?? null] as const),
    );
    return new Map<string, Current | null>(entries);
  }, [ids]);
  // A second click while the first is in flight is ignored; a retry after a network error (this
  // page or after a reload) sends the attempt's key again (src/checkout.ts).
  const inFlight = useRef(false);
  const [placing, setPlacing] = useState(false);
  const [failure, setFailure] = useState<{ message: string; shortages: Shortage[] } | null>(null);

  if (lines.length === 0) {
    return (
      <>
        <h1>Cart</h1>
        <p>Your cart is empty.</p>
        <p>
          <Link to="/">See the products</Link>
        </p>
      </>
    );
  }

  const currentOf = (id: string) => currents.data?.get(id);
  const priced = lines.map((line) => {
    const current = currentOf(line.productId);
    return { line, current, price: current?.price ?? line.price };
  });
  const currencies = new Set(priced.map((p) => p.price.currencyCode));
  const total = sum(priced.map((p) => times(p.price.amount, p.line.quantity)));
  const blocked = priced.some((p) => p.current === null);

  const placeOrder = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    const key = checkoutKey(lines);
    setPlacing(true);
    setFailure(null);
    try {
      const result = await auth.call(PlaceOrderDocument, {
        input: { items: lines.map((line) => ({ productId: line.productId, quantity: line.quantity })), idempotencyKey: key },
      });
      endCheckout();
      cart.clear();
      void navigate(`/orders?placed=${encodeURIComponent(result.createOrder.id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'OUT_OF_STOCK') {
        // The order was recorded as rejected under this key: the next click is a new attempt.
        endCheckout();
        setFailure({ message: 'Some items are short of stock. Change their quantities and place the order again.', shortages: shortagesOf(error) });
        currents.reload();
      } else if (error instanceof ApiError && error.code === 'NETWORK') {
        setFailure({ message: `${messageOf(error)} Press “Place order” again to retry: the order will not be placed twice.`, shortages: [] });
      } else {
        setFailure({ message: messageOf(error), shortages: [] });
      }
    } finally {
      inFlight.current = false;
      setPlacing(false);
    }
  };

  return (
    <>
      <h1>Cart</h1>
      <ErrorMessage error={currents.error} />
      {currents.data === undefined && currents.error === undefined && <Loading what="current prices and stock" />}
      <div className="cart-lines">
        {priced.map(({ line, current, price }) => {
          const changes = changesOf(line, current);
          const headingId = `line-${line.productId}`;
          return (
            <article key={line.productId} className="cart-line" aria-labelledby={headingId}>
              <h2 id={headingId}>
                <Link to={`/products/${line.productId}`}>{current?.name ?? line.name}</Link>
              </h2>
              <p className="price">
                {showMoney(price)} each{current ? ` · ${stockWords(current.stock)}` : ''}
              </p>
              {changes.length > 0 && (
                <div className="notice">
                  <ul>
                    {changes.map((change) => (
                      <li key={change}>{change}</li>
                    ))}
                  </ul>
                  {current && (current.name !== line.name || !sameAmount(current.price.amount, line.price.amount)) && (
                    <button type="button" onClick={() => cart.acknowledge(line.productId, current)}>
                      OK<Hidden>, noted the change to {current.name}</Hidden>
                    </button>
                  )}
                </div>
              )}
              <div className="line-controls">
                <label htmlFor={`quantity-${line.productId}`}>Quantity</label>
                <input
                  id={`quantity-${line.productId}`}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={MAX_QUANTITY}
                  value={line.quantity}
                  onChange={(event) => {
                    const value = Number.parseInt(event.target.value, 10);
                    if (Number.isInteger(value) && value > 0) cart.setQuantity(line.productId, value);
                  }}
                />
                <span className="subtotal">Subtotal {showMoney({ amount: times(price.amount, line.quantity), currencyCode: price.currencyCode })}</span>
                <button type="button" onClick={() => cart.remove(line.productId)}>
                  Remove<Hidden> {current?.name ?? line.name}</Hidden>
                </button>
              </div>
            </article>
          );
        })}
      </div>
      <p className="total">
        Total: <strong>{currencies.size === 1 ? showMoney({ amount: total, currencyCode: [...currencies][0] ?? '' }) : 'in several currencies'}</strong>
      </p>
      <div role="alert">
        {failure !== null && (
          <div className="error">
            <p>{failure.message}</p>
            {failure.shortages.length > 0 && (
              <ul className="shortages">
                {failure.shortages.map((shortage) => {
                  const line = lines.find((l) => l.productId === shortage.productId);
                  const name = currentOf(shortage.productId)?.name ?? line?.name ?? shortage.productId;
                  return (
                    <li key={shortage.productId}>
                      {name}: you asked for {shortage.requested}, only {shortage.available} available (short by {shortage.requested - shortage.available}).{' '}
                      {shortage.available > 0 ? (
                        <button type="button" onClick={() => cart.setQuantity(shortage.productId, shortage.available)}>
                          Change {name} to {shortage.available}
                        </button>
                      ) : (
                        <button type="button" onClick={() => cart.remove(shortage.productId)}>
                          Remove {name}
                        </button>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
          </div>
        )}
      </div>
      {auth.account === null ? (
        <p>
          {auth.ready ? (
            <>
              To place your order, <Link to="/login?next=/cart">log in</Link> or <Link to="/signup?next=/cart">sign up</Link>. Your cart stays as it is.
            </>
          ) : (
            'Checking your session…'
          )}
        </p>
      ) : (
        <button type="button" className="primary" aria-disabled={placing || blocked} onClick={() => void (blocked ? undefined : placeOrder())}>
          {placing ? 'Place order (placing…)' : 'Place order'}
        </button>
      )}
    </>
  );
}
