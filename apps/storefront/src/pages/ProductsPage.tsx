import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { execute } from '../api';
import { cart } from '../cart';
import { graphql } from '../gen';
import type { ProductsQuery } from '../gen/graphql';
import { useLoad } from '../load';
import { showMoney } from '../money';
import { stockWords } from '../stock';
import { ErrorMessage, Loading } from '../ui';

export const ProductsDocument = graphql(`
  query Products($first: Int!, $after: String, $query: String) {
    products(first: $first, after: $after, query: $query) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...ProductSummary
      }
    }
  }
`);

/** What a list, the cart and the admin table show of a product. */
graphql(`
  fragment ProductSummary on Product {
    id
    name
    price {
      amount
      currencyCode
    }
    stock
  }
`);

export const PAGE_SIZE = 12;
/** Wait this long after the last keystroke before searching. */
export const SEARCH_DEBOUNCE_MS = 250;

/*
 * The front page's list is what a shopper opening the shop waits for (issue 15: on screen within
 * 1 s; bench/storefront-first-list.ts measures it). Asked for by the entry point before React's
 * first render, rather than by this page's effect, which runs only after that render is painted:
 * on a busy 2-core machine that was a few hundred milliseconds with the request not yet sent.
 */
let frontPageList: Promise<ProductsQuery> | undefined;

/** Sends the front page's first list now when the page opened is the front page without a search. */
export function prefetchFrontPageList(opened: { readonly pathname: string; readonly search: string }): void {
  if (opened.pathname !== '/' || new URLSearchParams(opened.search).has('q')) return;
  frontPageList = execute(ProductsDocument, { first: PAGE_SIZE, after: null, query: null });
  // Its error is the page's to show when it takes it; never an unhandled rejection meanwhile.
  frontPageList.catch(() => undefined);
}

/** The prefetched list for the page's first load, if that is the front page's list; every later load asks afresh. */
function takeFrontPageList(query: string, after: string | null): Promise<ProductsQuery> | undefined {
  const prefetched = frontPageList;
  // Taken by the first load whatever it is, so no later load gets an answer from long ago.
  frontPageList = undefined;
  return query === '' && after === null ? prefetched : undefined;
}

export function ProductsPage() {
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const [typed, setTyped] = useState(query);
  // The cursors each page after the first starts after; the last one is the current page's.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1) ?? null;

  useEffect(() => {
    if (typed.trim() === query) return;
    const timer = setTimeout(() => {
      setCursors([]);
      setParams(typed.trim() === '' ? {} : { q: typed.trim() }, { replace: true });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [typed, query, setParams]);

  const products = useLoad(
    async () => ({
      query,
      result: await (takeFrontPageList(query, after) ?? execute(ProductsDocument, { first: PAGE_SIZE, after, query: query === '' ? null : query })),
    }),
    [query, after],
  );
  // The heading names the search whose results are shown (the next one may still be on its way).
  const shown = products.data?.query ?? query;
  const page = products.data?.result.products;
  const pageNumber = cursors.length + 1;

  return (
    <>
      <h1>{shown === '' ? 'Newest products' : `Products matching “${shown}”`}</h1>
      <form role="search" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor="search">Search products</label>
        <input id="search" type="search" value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" />
      </form>
      <ErrorMessage error={products.error} />
      {page === undefined ? (
        products.error === undefined && <Loading what="products" />
      ) : (
        <>
          <p role="status" className="muted">
            {page.totalCount === 1 ? '1 product' : `${page.totalCount} products`}
            {page.totalCount > PAGE_SIZE ? `, page ${pageNumber}` : ''}
          </p>
          <ul className="product-grid" aria-busy={products.loading || shown !== query}>
            {page.nodes.map((product) => (
              <li key={product.id} className="card">
                <h2>
                  <Link to={`/products/${product.id}`}>{product.name}</Link>
                </h2>
                <p className="price">{showMoney(product.price)}</p>
                <p className={product.stock > 0 ? 'stock' : 'stock sold-out'}>{stockWords(product.stock)}</p>
                {/* The name starts with the visible words, so speech input ("click Add to cart") finds it. */}
                <button type="button" disabled={product.stock <= 0} aria-label={`Add to cart: ${product.name}`} onClick={() => cart.add(product)}>
                  Add to cart
                </button>
              </li>
            ))}
          </ul>
          <nav aria-label="Pages" className="pager">
            <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Previous page
            </button>
            <button
              type="button"
              disabled={!page.pageInfo.hasNextPage || page.pageInfo.endCursor == null}
              onClick={() => {
                const next = page.pageInfo.endCursor;
                if (next != null) setCursors((c) => [...c, next]);
              }}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}
