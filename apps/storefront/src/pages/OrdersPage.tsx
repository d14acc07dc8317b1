import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { messageOf } from '../api';
import { useAuth } from '../auth';
import { graphql } from '../gen';
import { useLoad } from '../load';
import { showMoney } from '../money';
import { statusWord } from '../stock';
import { ErrorMessage, Loading } from '../ui';

export const MyOrdersDocument = graphql(`
  query MyOrders {
    viewer {
      id
      orders(first: 50) {
        totalCount
        nodes {
          ...OrderFields
        }
      }
    }
  }
`);

graphql(`
  fragment OrderFields on Order {
    id
    status
    createdAt
    total {
      amount
      currencyCode
    }
    items {
      productId
      name
      quantity
      unitPrice {
        amount
        currencyCode
      }
      subtotal {
        amount
        currencyCode
      }
      product {
        name
      }
    }
    rejection {
      message
    }
  }
`);

export const CancelOrderDocument = graphql(`
  mutation CancelOrder($input: CancelOrderInput!) {
    cancelOrder(input: $input) {
      id
      status
    }
  }
`);

export function OrdersPage() {
  const auth = useAuth();
  const [params] = useSearchParams();
  const placed = params.get('placed');
  const signedIn = auth.account?.id ?? null;
  const orders = useLoad(async () => (signedIn === null ? null : auth.call(MyOrdersDocument, {})), [signedIn]);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const [cancelError, setCancelError] = useState<string | null>(null);

  if (!auth.ready) return <Loading what="your session" />;
  if (auth.account === null) {
    return (
      <>
        <h1>Orders</h1>
        <p>
          <Link to="/login?next=/orders">Log in to see your orders</Link>
        </p>
      </>
    );
  }
  const list = orders.data?.viewer?.orders;
  const cancel = async (id: string) => {
    setCancelling(id);
    setCancelError(null);
    try {
      await auth.call(CancelOrderDocument, { input: { orderId: id } });
      orders.reload();
    } catch (error) {
      setCancelError(messageOf(error));
    } finally {
      setCancelling(null);
    }
  };
  return (
    <>
      <h1>Orders</h1>
      <div role="status">{placed !== null && <p className="success">Thank you: your order is placed.</p>}</div>
      <ErrorMessage error={orders.error} />
      <div role="alert">{cancelError !== null && <p className="error">{cancelError}</p>}</div>
      {list === undefined ? (
        orders.error === undefined && <Loading what="your orders" />
      ) : list.nodes.length === 0 ? (
        <p>You have no orders yet.</p>
      ) : (
        list.nodes.map((order) => (
          <article key={order.id} className="order" aria-labelledby={`order-${order.id}`}>
            <h2 id={`order-${order.id}`}>
              Order of {new Date(order.createdAt).toLocaleString('en')} <span className={`status status-${order.status.toLowerCase()}`}>{statusWord(order.status)}</span>
            </h2>
            {order.rejection && <p>{order.rejection.message}</p>}
            <table>
              <caption className="visually-hidden">Items of this order</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Price paid</th>
                  <th scope="col">Subtotal</th>
                </tr>
              </thead>
              <tbody>
                {order.items.map((item) => (
                  <tr key={item.productId}>
                    <td>{item.name ?? item.product?.name ?? item.productId}</td>
                    <td>{item.quantity}</td>
                    <td>{item.unitPrice ? showMoney(item.unitPrice) : '—'}</td>
                    <td>{item.subtotal ? showMoney(item.subtotal) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="total">Total: {order.total ? showMoney(order.total) : '—'}</p>
            {order.status === 'PLACED' && (
              <button type="button" aria-disabled={cancelling !== null} onClick={() => void (cancelling === null && cancel(order.id))}>
                Cancel order
              </button>
            )}
          </article>
        ))
      )}
    </>
  );
}
