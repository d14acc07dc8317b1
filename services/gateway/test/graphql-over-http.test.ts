import fc from 'fast-check';
import { auditServer } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { at } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';

/*
 * GraphQL over HTTP (the spec of the GraphQL foundation's working group), checked with the audit
 * suite its maintainers publish (graphql-http's auditServer), and cases found beyond that suite.
 */

const stack = useStack();

describe('the graphql-http audit', () => {
  it('finds no MUST failure, and no answer is INTERNAL', async () => {
    const bodies: string[] = [];
    const recordingFetch = async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      bodies.push(await response.clone().text());
      return response;
    };
    const results = await auditServer({ url: `${stack.url}/graphql`, fetchFn: recordingFetch });
    const notOk = results.flatMap((result) => (result.status === 'ok' ? [] : [`${result.status} ${result.id}: ${result.name}`]));
    // No MUST fails ("error"). The only SHOULDs not met are the ones we chose (README, "GraphQL
    // over HTTP"): application/json answers a request GraphQL refuses as a whole with 400, not 200.
    expect(notOk).toEqual([
      'warn 572B: SHOULD use 200 status code on document parsing failure when accepting application/json',
      'warn FDE2: SHOULD use 200 status code on document validation failure when accepting application/json',
      'warn 7B9B: SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
    ]);
    expect(bodies.length).toBeGreaterThan(50);
    expect(bodies.filter((body) => body.includes('INTERNAL'))).toEqual([]);
  });
});

async function post(body: string, accept = 'application/json'): Promise<{ status: number; type: string | null; body: unknown }> {
  const response = await fetch(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

describe('request shapes', () => {
  it('accepts "extensions": null (and "variables", "operationName" null)', async () => {
    const response = await post(JSON.stringify({ query: '{ __typename }', extensions: null, variables: null, operationName: null }));
    expect(response).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it.each([
    ['a number', { query: 1 }],
    ['an object', { query: { obj: 'ect' } }],
    ['missing', { variables: {} }],
    ['an empty string', { query: '' }],
  ])('refuses a query that is %s with 400 BAD_USER_INPUT', async (_name, body) => {
    const response = await post(JSON.stringify(body));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('says what was wrong with which parameter', async () => {
    const number = await post(JSON.stringify({ query: 1 }));
    expect(number.body).toMatchObject({ errors: [{ message: 'query: a GraphQL document (a string) is required' }] });
    const variables = await post(JSON.stringify({ query: '{ __typename }', variables: [1] }));
    expect(variables).toMatchObject({ status: 400, body: { errors: [{ message: 'variables: must be a map (a JSON object) or null' }] } });
    const batch = await post(JSON.stringify([{ query: '{ __typename }' }]));
    expect(batch).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
  });

  it.each([
    ['variables that are not JSON', 'variables=%7Bnope'],
    ['variables that are a list', `variables=${encodeURIComponent('[1]')}`],
    ['no query', 'variables=%7B%7D'],
    ['two queries', 'query=%7B__typename%7D&query=%7B__typename%7D'],
  ])('refuses a GET with %s with 400 BAD_USER_INPUT', async (_name, search) => {
    const response = await fetch(`${stack.url}/graphql?${search}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('takes variables, extensions: null and an operation name by GET', async () => {
    const query = 'query Q($first: Int) { products(first: $first) { totalCount } }';
    const search = new URLSearchParams({ query, variables: '{"first":1}', extensions: 'null', operationName: 'Q' });
    const response = await fetch(`${stack.url}/graphql?${search.toString()}`);
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    expect(typeof at(body, 'data', 'products', 'totalCount')).toBe('number');
  });

  it.each(['1', '{}', '[]', '"x"', 'null', '{"kind":"Document","definitions":[{}]}'])(
    'refuses the query string %s (JSON, not GraphQL) as a syntax error',
    async (query) => {
      const response = await post(JSON.stringify({ query }));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
      expect(String(at(response.body, 'errors', 0, 'message'))).toContain('Syntax Error');
    },
  );
});

describe('media types', () => {
  it('serves application/graphql-response+json when asked for it', async () => {
    const ok = await post(JSON.stringify({ query: '{ __typename }' }), 'application/graphql-response+json');
    expect(ok.status).toBe(200);
    expect(ok.type).toContain('application/graphql-response+json');
    const invalid = await post(JSON.stringify({ query: '{ nope }' }), 'application/graphql-response+json');
    expect(invalid.status).toBe(400);
    expect(invalid.type).toContain('application/graphql-response+json');
    expect(invalid.body).not.toHaveProperty('data');
  });

  it('answers application/json to */*, to no Accept and to an Accept preferring it', async () => {
    for (const accept of ['*/*', 'application/json', 'application/json, application/graphql-response+json;q=0.9']) {
      const response = await post(JSON.stringify({ query: '{ __typename }' }), accept);
      expect(response.type).toContain('application/json');
    }
  });
});

describe('anything a client may send', () => {
  const words = [
    '{',
    '}',
    '(',
    ')',
    '[',
    ']',
    'products',
    'nodes',
    'id',
    'name',
    'price',
    'amount',
    'viewer',
    'orders',
    'first:',
    '$v',
    '1',
    '"x"',
    '...',
    'F',
    'fragment',
    'on',
    'Product',
    'query',
    'mutation',
    'a:',
    '@skip(if: true)',
    '__typename',
    ':',
    '$v: Int',
  ];
  const graphqlish = fc.array(fc.constantFrom(...words), { maxLength: 40 }).map((parts) => parts.join(' '));
  const body = fc.record(
    {
      query: fc.oneof(graphqlish, fc.string(), fc.jsonValue()),
      variables: fc.oneof(fc.dictionary(fc.constantFrom('v', 'first'), fc.jsonValue()), fc.jsonValue()),
      operationName: fc.oneof(fc.constantFrom('Q', 'F'), fc.jsonValue()),
      extensions: fc.jsonValue(),
    },
    { requiredKeys: ['query'] },
  );

  it('is answered 200 or 400 with typed errors, never INTERNAL (property)', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'application/graphql-response+json'), async (request, accept) => {
        const response = await post(JSON.stringify(request), accept);
        expect([200, 400]).toContain(response.status);
        expect(JSON.stringify(response.body)).not.toContain('INTERNAL');
      }),
      { numRuns: 150 },
    );
  });
});
