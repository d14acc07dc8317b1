import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { orNull } from '../api';
import { useAuth } from '../auth';
import { graphql } from '../gen';
import { useLoad } from '../load';
import { ErrorMessage, Loading } from '../ui';
import { ProductForm } from './ProductForm';

export const EditProductDocument = graphql(`
  query EditProduct($id: ID!) {
    product(id: $id) {
      id
      name
      description
      price {
        amount
      }
      stock
    }
  }
`);

export const UpdateProductDocument = graphql(`
  mutation UpdateProduct($input: UpdateProductInput!) {
    updateProduct(input: $input) {
      id
      updatedAt
    }
  }
`);

export default function ProductEditPage() {
  const auth = useAuth();
  const { id = '' } = useParams();
  const loaded = useLoad(() => orNull(auth.call(EditProductDocument, { id })), [id]);
  const [saved, setSaved] = useState(false);
  if (auth.account?.role !== 'ADMIN') {
    return (
      <>
        <h1>Edit product</h1>
        <p>{auth.ready ? 'Only administrators can edit products.' : 'Checking your session…'}</p>
      </>
    );
  }
  if (loaded.data === undefined) return loaded.error === undefined ? <Loading what="the product" /> : <ErrorMessage error={loaded.error} />;
  const product = loaded.data?.product;
  if (product == null) return <h1>Product not found</h1>;
  return (
    <>
      <h1>Edit {product.name}</h1>
      <ProductForm
        initial={{ name: product.name, description: product.description, price: product.price.amount, stock: product.stock }}
        submitLabel="Save"
        onSubmit={async (fields) => {
          setSaved(false);
          await auth.call(UpdateProductDocument, { input: { id, ...fields } });
          setSaved(true);
          loaded.reload();
        }}
      />
      <p role="status">
        {saved && (
          <>
            Saved. <Link to={`/products/${id}`}>See the product page</Link> or go back to <Link to="/admin">Admin</Link>.
          </>
        )}
      </p>
    </>
  );
}
