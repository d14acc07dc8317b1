import { beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery } from '../src/graphql/runtime.js';
import { at, codes, logInAdmin } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';

/*
 * Query limits and the HTTP edge: every refusal is a clear BAD_USER_INPUT-class error that costs
 * the backends nothing (the call counter header stays empty).
 */

const stack = useStack();
let admin: string;

beforeAll(async () => {
  admin = await logInAdmin(stack);
});

/** viewer { orders { nodes { account { orders { nodes { account ... } } } } } } nested `levels` accounts deep. */
function nested(levels: number): string {
  let query = 'id';
  for (let i = 0; i < levels; i++) query = `id orders { nodes { account { ${query} } } }`;
  return `{ viewer { ${query} } }`;
}

describe('depth', () => {
  it('refuses a query deeper than MAX_QUERY_DEPTH before any backend call', async () => {
    const response = await stack.request(nested(3), { token: admin });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: 'the query is 11 levels deep; at most 10 are allowed',
        extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP', depth: 11, maxDepth: 10 },
      }),
    ]);
    expect(response.calls).toEqual({});
  });

  it('counts fragments where they are spread', async () => {
    const query = `fragment deep on Order { account { orders { nodes { account { orders { nodes { account { id } } } } } } } }
      { viewer { orders { nodes { ...deep } } } }`;
    const response = await stack.request(query, { token: admin });
    expect(response.errors?.[0]?.extensions).toMatchObject({ reason: 'QUERY_TOO_DEEP', depth: 11 });
  });

  it.each([
    ['selections', `{ ${'viewer { '.repeat(3000)}id${' }'.repeat(3000)} }`],
    ['list values', `{ products(query: ${'['.repeat(3000)}"x"${']'.repeat(3000)}) { totalCount } }`],
  ])('refuses %s nested thousands of levels deep before parsing (the parser would overflow its stack)', async (_name, query) => {
    const response = await stack.request(query);
    expect(response.status).toBe(400);
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: 'the query is nested more than 128 levels deep',
        extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP', maxNesting: 128 },
      }),
    ]);
  });

  it('lets a query at the limit through', async () => {
    const response = await stack.request(nested(2), { token: admin });
    expect(response.errors).toBeUndefined();
  });

  it('lets GraphiQL’s introspection query through, and refuses abusive introspection', async () => {
    const introspection = await stack.request(getIntrospectionQuery());
    expect(introspection.errors).toBeUndefined();
    expect(JSON.stringify(introspection.data)).toContain('"AccountConnection"');
    let deep = 'name';
    for (let i = 0; i < 8; i++) deep = `name fields { type { ${deep} } }`;
    const abusive = await stack.request(`{ __schema { types { ${deep} } } }`);
    expect(abusive.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' });
  });
});

describe('aliases and size', () => {
  it('refuses 1,000 aliases', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: viewer { id }`).join('\n');
    const response = await stack.request(`{ ${aliases} }`);
    expect(response.status).toBe(400);
    expect(response.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', reason: 'TOO_MANY_ALIASES', aliases: 1000, maxAliases: 50 } }),
    ]);
    expect(response.calls).toEqual({});
  });

  it('refuses a document of more than MAX_QUERY_TOKENS tokens before parsing it all', async () => {
    const fields = Array.from({ length: 11_000 }, () => 'a').join(' ');
    const response = await stack.request(`{ ${fields} }`);
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toContain('10000 tokens');
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413', async () => {
    const response = await stack.request(`{ viewer { id } } # ${'x'.repeat(70 * 1024)}`);
    expect(response.status).toBe(413);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('cost', () => {
  const NESTED = `query($first: Int, $orders: Int) {
    accounts(first: $first) { nodes { orders(first: $orders) { nodes { items { product { name } } } } } }
  }`;

  it('lets the 50-account nested query through and refuses the same at 100 x 100', async () => {
    const fine = await stack.request(NESTED, { token: admin, variables: { first: 50, orders: 20 } });
    expect(fine.errors).toBeUndefined();
    const costly = await stack.request(NESTED, { token: admin, variables: { first: 100, orders: 100 } });
    expect(costly.status).toBe(400);
    expect(costly.errors).toHaveLength(1);
    expect(costly.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX', maxCost: 50_000 });
    expect(costly.errors?.[0]?.extensions.cost).toBeGreaterThan(50_000);
    expect(costly.calls).toEqual({});
  });

  it('reads page sizes from literals, variables and defaults alike', async () => {
    const literal = await stack.request(
      '{ accounts(first: 100) { nodes { orders(first: 100) { nodes { items { product { name } } } } } } }',
      { token: admin },
    );
    expect(literal.errors?.[0]?.extensions.reason).toBe('QUERY_TOO_COMPLEX');
    // Defaults: 20 accounts x 20 orders is well under the limit.
    const defaults = await stack.request('{ accounts { nodes { orders { nodes { items { product { name } } } } } } }', { token: admin });
    expect(defaults.errors).toBeUndefined();
  });

  it('is checked again on every request, also once the query is compiled (JIT)', async () => {
    for (let i = 0; i < 3; i++) {
      const fine = await stack.request(NESTED, { token: admin, variables: { first: 5, orders: 5 } });
      expect(fine.errors).toBeUndefined();
    }
    const costly = await stack.request(NESTED, { token: admin, variables: { first: 100, orders: 100 } });
    expect(costly.errors?.[0]?.extensions.reason).toBe('QUERY_TOO_COMPLEX');
  });
});

describe('fragments spreading fragments', () => {
  /** `levels` fragments, each spreading the next one twice: 2^levels selections written out. */
  function doubling(levels: number): string {
    let source = '{ products(first: 100) { nodes { ...F0 } } }';
    for (let i = 0; i < levels; i++) source += ` fragment F${i} on Product { name ...F${i + 1} ...F${i + 1} }`;
    return `${source} fragment F${levels} on Product { id }`;
  }

  // 32 levels would take the unguarded cost check hours: the refusal can only come from a check
  // that does not write the fragments out. /healthz is asked at the same time and answers.
  it.each([24, 32])('refuses %i levels by POST and by GET before validation, while /healthz answers', async (levels) => {
    const query = doubling(levels);
    const [post, get, health] = await Promise.all([
      stack.request(query),
      fetch(`${stack.url}/graphql?query=${encodeURIComponent(query)}`),
      fetch(`${stack.url}/healthz`),
    ]);
    expect(health.status).toBe(200);
    expect(post.status).toBe(400);
    expect(post.data).toBeUndefined();
    expect(post.errors).toEqual([
      expect.objectContaining({
        extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_LARGE', selections: 2 ** levels * 2 - 1 + 2, maxSelections: 10_000 },
      }),
    ]);
    expect(post.calls).toEqual({});
    expect(get.status).toBe(400);
    expect(await get.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_LARGE' } }] });
  });

  it('refuses more than 50 fields of one name, or 50 fragments, side by side in one selection set', async () => {
    const fields = await stack.request(`{ products { nodes { ${'price { amount } '.repeat(51)} } } }`);
    expect(fields.status).toBe(400);
    expect(fields.errors).toEqual([
      expect.objectContaining({
        extensions: { code: 'BAD_USER_INPUT', reason: 'SELECTION_TOO_WIDE', responseName: 'price', count: 51, maxSiblings: 50 },
      }),
    ]);
    const spreads = Array.from({ length: 51 }, (_, i) => `...F${i}`).join(' ');
    const definitions = Array.from({ length: 51 }, (_, i) => `fragment F${i} on Product { id }`).join(' ');
    const fragments = await stack.request(`{ products { nodes { ${spreads} } } } ${definitions}`);
    expect(fragments.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'SELECTION_TOO_WIDE', fragments: 51, maxSiblings: 50 });
  });

  it('lets a query that reuses fragments within the limit through', async () => {
    const response = await stack.request(doubling(5));
    expect(response.errors).toBeUndefined();
  });
});

describe('requests GraphQL refuses', () => {
  it.each([
    ['a syntax error', '{ viewer { id }', 'Syntax Error'],
    ['an unknown field', '{ viewer { password } }', 'Cannot query field "password"'],
    ['a missing argument', '{ product { id } }', 'argument "id" of type "ID!" is required'],
  ])('%s is BAD_USER_INPUT with HTTP 400', async (_name, query, message) => {
    const response = await stack.request(query);
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toContain(message);
  });

  it('a variable of the wrong type is BAD_USER_INPUT', async () => {
    const response = await stack.request('query($first: Int) { products(first: $first) { totalCount } }', { variables: { first: 'ten' } });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toContain('$first');
  });

  it('queries may use GET; mutations may not', async () => {
    const get = await fetch(`${stack.url}/graphql?query=${encodeURIComponent('{ products { totalCount } }')}`);
    expect(get.status).toBe(200);
    const body: unknown = await get.json();
    expect(typeof at(body, 'data', 'products', 'totalCount')).toBe('number');
    const mutation = `mutation { logIn(input: { email: "a@b.co", password: "whatever1" }) { token } }`;
    const refused = await fetch(`${stack.url}/graphql?query=${encodeURIComponent(mutation)}`);
    expect(refused.status).toBe(405);
    expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('a body that is not JSON is BAD_USER_INPUT', async () => {
    const response = await fetch(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('every response carries the request id, and takes the caller’s', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-me-123' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-me-123');
  });
});
