import { useState } from 'react';
import { Link } from 'react-router';
import { useAuth } from '../auth';
import { graphql } from '../gen';
import { useLoad } from '../load';
import { showMoney } from '../money';
import { statusWord, stockWords } from '../stock';
import { ErrorMessage, Loading } from '../ui';
import { ProductForm } from './ProductForm';

export const CreateProductDocument = graphql(`
  mutation CreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
      name
    }
  }
`);

export const AdminOverviewDocument = graphql(`
  query AdminOverview {
    products(first: 50) {
      totalCount
      nodes {
        ...ProductSummary
      }
    }
    accounts(first: 50) {
      totalCount
      nodes {
        id
        name
        email
        role
        orders(first: 10) {
          totalCount
          nodes {
            id
            status
            createdAt
            total {
              amount
              currencyCode
            }
          }
        }
      }
    }
  }
`);

export default function AdminPage() {
  const auth = useAuth();
  const isAdmin = auth.account?.role === 'ADMIN';
  const overview = useLoad(async () => (isAdmin ? auth.call(AdminOverviewDocument, {}) : null), [isAdmin]);
  const [created, setCreated] = useState<{ id: string; name: string } | null>(null);
  const [formKey, setFormKey] = useState(0);

  if (!auth.ready) return <Loading what="your session" />;
  if (!isAdmin) {
    return (
      <>
        <h1>Admin</h1>
        <p>Only administrators can see this page.</p>
      </>
    );
  }
  const data = overview.data ?? undefined;
  return (
    <>
      <h1>Admin</h1>
      <section aria-labelledby="new-product">
        <h2 id="new-product">New product</h2>
        <ProductForm
          key={formKey}
          initial={{ name: '', description: '', price: '', stock: 0 }}
          submitLabel="Create product"
          onSubmit={async (fields) => {
            const result = await auth.call(CreateProductDocument, { input: fields });
            setCreated(result.createProduct);
            setFormKey((k) => k + 1);
            overview.reload();
          }}
        />
        <p role="status">
          {created !== null && (
            <>
              Created <Link to={`/products/${created.id}`}>{created.name}</Link>.
            </>
          )}
        </p>
      </section>
      <ErrorMessage error={overview.error} />
      {data === undefined || data === null ? (
        overview.error === undefined && <Loading what="products and accounts" />
      ) : (
        <>
          <section aria-labelledby="admin-products">
            <h2 id="admin-products">Products ({data.products.totalCount})</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Price</th>
                  <th scope="col">Stock</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.products.nodes.map((product) => (
                  <tr key={product.id}>
                    <td>{product.name}</td>
                    <td>{showMoney(product.price)}</td>
                    <td>
                      {product.stock} ({stockWords(product.stock)})
                    </td>
                    <td>
                      <Link to={`/admin/products/${product.id}`}>
                        Edit<span className="visually-hidden"> {product.name}</span>
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="admin-accounts">
            <h2 id="admin-accounts">Accounts ({data.accounts.totalCount})</h2>
            {data.accounts.nodes.map((account) => (
              <article key={account.id} className="account-card" aria-labelledby={`account-${account.id}`}>
                <h3 id={`account-${account.id}`}>
                  {account.name} <span className="muted">{account.email}</span> {account.role === 'ADMIN' ? '(administrator)' : ''}
                </h3>
                {account.orders.nodes.length === 0 ? (
                  <p className="muted">No orders.</p>
                ) : (
                  <ul>
                    {account.orders.nodes.map((order) => (
                      <li key={order.id}>
                        {new Date(order.createdAt).toLocaleString('en')}: {statusWord(order.status)}, {order.total ? showMoney(order.total) : 'not priced'}
                      </li>
                    ))}
                    {account.orders.totalCount > account.orders.nodes.length && <li>and {account.orders.totalCount - account.orders.nodes.length} more</li>}
                  </ul>
                )}
              </article>
            ))}
          </section>
        </>
      )}
    </>
  );
}
