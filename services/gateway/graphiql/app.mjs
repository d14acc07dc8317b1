/* global document, Worker, fetch */
// The GraphiQL page's script, bundled by src/graphiql.ts with esbuild into dist/graphiql/ so that
// the page needs nothing from the network: no CDN, every asset served by the gateway itself.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';

// Monaco runs its language services in web workers. They are bundled as separate files next to
// this one (see WORKERS in src/graphiql.ts) and located relative to the page, so the gateway can
// sit under any path prefix.
const workerUrl = (name) => new URL(`assets/${name}.worker.js`, document.baseURI);
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    if (label === 'graphql') return new Worker(workerUrl('graphql'));
    if (label === 'json') return new Worker(workerUrl('json'));
    return new Worker(workerUrl('editor'));
  },
};

const endpoint = document.body.dataset.endpoint ?? '/graphql';
const fetcher = createGraphiQLFetcher({ url: new URL(endpoint, document.baseURI).href, fetch });

const defaultQuery = `# Emporium. Products are public. For the rest, run logIn
# and put { "Authorization": "Bearer <token>" } in the
# Headers tab below.
query Products {
  products(first: 10) {
    totalCount
    nodes { id name price { amount currencyCode } stock }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const root = document.getElementById('graphiql');
if (root) {
  createRoot(root).render(createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: 'headers' }));
}
