import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { execute, orNull } from '../api';
import { cart, MAX_QUANTITY } from '../cart';
import { graphql } from '../gen';
import { useLoad } from '../load';
import { showMoney } from '../money';
import { stockWords } from '../stock';
import { ErrorMessage, Loading } from '../ui';

export const ProductDocument = graphql(`
  query Product($id: ID!) {
    product(id: $id) {
      id
      name
      description
      price {
        amount
        currencyCode
      }
      stock
    }
  }
`);

export function ProductPage() {
  const { id = '' } = useParams();
  const loaded = useLoad(() => orNull(execute(ProductDocument, { id })), [id]);
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState<number | null>(null);

  if (loaded.data === undefined) return loaded.error === undefined ? <Loading what="the product" /> : <ErrorMessage error={loaded.error} />;
  const product = loaded.data?.product;
  if (product === null || product === undefined) {
    return (
      <>
        <h1>Product not found</h1>
        <p>
          <Link to="/">See the products</Link>
        </p>
      </>
    );
  }
  const max = Math.max(1, Math.min(product.stock, MAX_QUANTITY));
  return (
    <article className="product">
      <h1>{product.name}</h1>
      <p className="price">{showMoney(product.price)}</p>
      <p className={product.stock > 0 ? 'stock' : 'stock sold-out'}>{stockWords(product.stock)}</p>
      {product.description !== '' && <p className="description">{product.description}</p>}
      <form
        className="add"
        onSubmit={(event) => {
          event.preventDefault();
          cart.add(product, quantity);
          setAdded(quantity);
        }}
      >
        <label htmlFor="quantity">Quantity</label>
        <input
          id="quantity"
          type="number"
          inputMode="numeric"
          min={1}
          max={max}
          value={quantity}
          onChange={(event) => setQuantity(Math.max(1, Math.min(max, Number.parseInt(event.target.value, 10) || 1)))}
        />
        <button type="submit" disabled={product.stock <= 0}>
          Add to cart
        </button>
      </form>
      <p role="status">
        {added !== null && (
          <>
            Added {added} to your cart. <Link to="/cart">Go to the cart</Link>
          </>
        )}
      </p>
    </article>
  );
}
