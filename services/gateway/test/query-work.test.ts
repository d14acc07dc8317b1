import fc from 'fast-check';
import type { DocumentNode, SelectionSetNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { Kind, buildSchema, parse, specifiedRules, validate } from '../src/graphql/runtime.js';
import { loadSchema } from '../src/graphql/schema-files.js';
import { aliasLimitRule, depthLimitRule } from '../src/guards/depth-and-alias-rules.js';
import { visitedSelections } from '../src/guards/document-walk.js';
import { expandedSelections } from '../src/guards/fragment-expansion.js';
import { queryCost } from '../src/guards/query-cost.js';
import { enforceWidthLimit } from '../src/guards/selection-width.js';

/*
 * Every check of a query must take time linear in its document, whatever its fragments do. Work is
 * counted, never timed: our checks count the selections they visit (visitedSelections), and
 * graphql's own validation rules are counted by the reads they make of the document (every node
 * behind a Proxy that counts property reads). And what they compute is right: the cost estimate
 * of concrete queries worked out by hand, and the same estimates with every fragment written out.
 */

/** The schema's documented largest page (`first` is at most 100). */
const MAX_FIRST = 100;
/** The documented width limit: at most 50 fields of one name, or fragments, side by side. */
const MAX_SIBLINGS = 50;

const schema = buildSchema(loadSchema());

/** Fields, inline fragments and fragment spreads in the document: its size. */
function selectionCount(document: DocumentNode): number {
  let count = 0;
  const walk = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      count++;
      if (selection.kind !== Kind.FRAGMENT_SPREAD) walk(selection.selectionSet);
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) walk(definition.selectionSet);
  }
  return count;
}

/** Work our checks do on a document: the depth and alias rules, the expansion count and the cost. */
function ourWork(document: DocumentNode, variables: Record<string, unknown> = {}): number {
  const before = visitedSelections.count;
  validate(schema, document, [depthLimitRule(10), aliasLimitRule(50)]);
  expandedSelections(document);
  try {
    enforceWidthLimit(document);
  } catch {
    // refused: the work until then still counts
  }
  queryCost(schema, document, variables);
  return visitedSelections.count - before;
}

/** The document behind proxies that count every property read, and the count so far. */
function countingReads(document: DocumentNode): { document: DocumentNode; reads: () => number } {
  let reads = 0;
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const known = proxies.get(value);
    if (known !== undefined) return known;
    const proxy = new Proxy(value, {
      get(target, key, receiver): unknown {
        reads++;
        return wrap(Reflect.get(target, key, receiver));
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return {
    document: new Proxy(document, { get: (target, key, receiver): unknown => wrap(Reflect.get(target, key, receiver)) }),
    reads: () => reads,
  };
}

/** Reads graphql's specified validation rules make of the document. */
function graphqlRulesReads(document: DocumentNode): number {
  const counted = countingReads(document);
  validate(schema, counted.document, specifiedRules);
  return counted.reads();
}

/** A document whose naive cost doubles per level: `levels` fragments, each spreading the next one twice. */
function doubling(levels: number): string {
  let source = '{ products(first: 100) { nodes { ...F0 } } }\n';
  for (let i = 0; i < levels; i++) source += `fragment F${i} on Product { name ...F${i + 1} ...F${i + 1} }\n`;
  return `${source}fragment F${levels} on Product { id price { amount } }\n`;
}

/* ---- random documents: a DAG of fragments on Product, spread several times, nested, aliased ---- */

type Item =
  | { readonly kind: 'leaf'; readonly field: string; readonly alias: string | undefined }
  | { readonly kind: 'price'; readonly alias: string | undefined }
  | { readonly kind: 'inline'; readonly fields: readonly string[] }
  | { readonly kind: 'spread'; readonly target: number };

const item: fc.Arbitrary<Item> = fc.oneof(
  fc.record({
    kind: fc.constant('leaf' as const),
    field: fc.constantFrom('id', 'name', 'description', 'stock'),
    alias: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('price' as const), alias: fc.option(fc.constant('p'), { nil: undefined }) }),
  fc.record({
    kind: fc.constant('inline' as const),
    fields: fc.array(fc.constantFrom('id', 'name', 'stock'), { minLength: 1, maxLength: 3 }),
  }),
  // Spreads are the most likely item: that is where the work multiplies.
  fc.record({ kind: fc.constant('spread' as const), target: fc.nat() }),
  fc.record({ kind: fc.constant('spread' as const), target: fc.nat() }),
);

const body = fc.array(item, { minLength: 1, maxLength: 6 });

interface Generated {
  readonly source: string;
  readonly variables: Record<string, unknown>;
  /** The same operation with every fragment spread written out in place; undefined when that is too large to test. */
  readonly writtenOut: string | undefined;
}

/** Larger written-out documents are skipped: writing fragments out can take exponential room. */
const MAX_WRITTEN_OUT = 200_000;

/** Fragment i may spread only fragments after it: a DAG (cycles are graphql's to refuse). */
function render(items: readonly Item[], self: number, fragments: number): string {
  return items
    .map((entry) => {
      switch (entry.kind) {
        case 'leaf':
          return entry.alias === undefined ? entry.field : `${entry.alias}: ${entry.field}`;
        case 'price':
          return `${entry.alias === undefined ? '' : `${entry.alias}: `}price { amount currencyCode }`;
        case 'inline':
          return `... on Product { ${entry.fields.join(' ')} }`;
        case 'spread': {
          const after = fragments - self - 1;
          return after > 0 ? `...P${self + 1 + (entry.target % after)}` : 'id';
        }
      }
    })
    .join(' ');
}

/**
 * The items as text with every spread replaced by its fragment's items, written out in turn
 * (fragments are all on Product, spread only inside Product selections); undefined past the budget.
 */
function writeOut(items: readonly Item[], self: number, fragments: readonly (readonly Item[])[], budget: { left: number }): string | undefined {
  const parts: string[] = [];
  for (const entry of items) {
    let text: string | undefined;
    if (entry.kind === 'spread') {
      const after = fragments.length - self - 1;
      const target = self + 1 + (after > 0 ? entry.target % after : 0);
      const body = fragments[target];
      text = after > 0 && body !== undefined ? writeOut(body, target, fragments, budget) : 'id';
    } else {
      text = render([entry], self, fragments.length);
    }
    if (text === undefined) return undefined;
    budget.left -= text.length + 1;
    if (budget.left < 0) return undefined;
    parts.push(text);
  }
  return parts.join(' ');
}

function operation(products: string, ordered: string): string {
  return `query Q($first: Int, $orders: Int) {
      products(first: $first) { totalCount nodes { ${products} } edges { cursor node { ${products} } } }
      viewer { id orders(first: $orders) { nodes { id items { quantity product { ${ordered} } } } } }
    }`;
}

const documents: fc.Arbitrary<Generated> = fc
  .record({
    fragments: fc.array(body, { maxLength: 14 }),
    products: body,
    ordered: body,
    first: fc.option(fc.integer({ min: 0, max: MAX_FIRST }), { nil: undefined }),
    orders: fc.option(fc.integer({ min: 0, max: MAX_FIRST }), { nil: undefined }),
  })
  .map(({ fragments, products, ordered, first, orders }) => {
    const n = fragments.length;
    const definitions = fragments.map((items, i) => `fragment P${i} on Product { ${render(items, i, n)} }`);
    // The operation may spread any fragment (as "fragment -1").
    const budget = { left: MAX_WRITTEN_OUT };
    const productsOut = writeOut(products, -1, fragments, budget);
    const orderedOut = productsOut === undefined ? undefined : writeOut(ordered, -1, fragments, budget);
    return {
      source: [operation(render(products, -1, n), render(ordered, -1, n)), ...definitions].join('\n'),
      variables: { ...(first === undefined ? {} : { first }), ...(orders === undefined ? {} : { orders }) },
      writtenOut: productsOut === undefined || orderedOut === undefined ? undefined : operation(productsOut, orderedOut),
    };
  });

/*
 * The cost estimate (README, Limits), worked out by hand. Every field costs 1 each time it is
 * expected to be resolved: inside a connection's `nodes` or `edges`, `first` times (20 when not
 * given, at most 100, and 100 when it cannot be known); inside any other list (an order's items),
 * 5 times. __typename costs nothing. A document costs what its costliest operation costs.
 */
const costs: readonly (readonly [name: string, query: string, variables: Record<string, unknown>, cost: number])[] = [
  // products 1 + 3 × (nodes 1 + name 1) = 7
  ['a page of 3', '{ products(first: 3) { nodes { name } } }', {}, 7],
  // products 1 + 20 × (nodes 1 + id 1) = 41
  ['the default page of 20', '{ products { nodes { id } } }', {}, 41],
  // products 1 + 7 × (nodes 1 + id 1) = 15
  ['a page size in a variable', 'query($n: Int) { products(first: $n) { nodes { id } } }', { n: 7 }, 15],
  // products 1 + 100 × (nodes 1 + id 1) = 201
  ['a page size in a variable not given: the largest page', 'query($n: Int) { products(first: $n) { nodes { id } } }', {}, 201],
  // products 1 + 100 × (nodes 1 + id 1) = 201
  ['a page over the maximum: the largest page', '{ products(first: 1000) { nodes { id } } }', {}, 201],
  // products 1 + totalCount 1 + 0 × (nodes 1 + id 1) = 2
  ['an empty page', '{ products(first: 0) { totalCount nodes { id } } }', {}, 2],
  // products 1 + 10 × (edges 1 + cursor 1 + node 1 + id 1 + nodes 1 + id 1) = 61
  ['edges and nodes', '{ products(first: 10) { edges { cursor node { id } } nodes { id } } }', {}, 61],
  // order 1 + 5 × (items 1 + quantity 1) = 11
  ['a list without a page size', '{ order(id: "x") { items { quantity } } }', {}, 11],
  // accounts 1 + 50 × (nodes 1 + orders 1 + 20 × (nodes 1 + 5 × (items 1 + product 1 + name 1))) = 1 + 50 × 322 = 16,101
  ['the README’s nested example', '{ accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } } }', {}, 16_101],
  // F = name 1 + price 1 + amount 1 = 3; a: products 1 + 2 × (nodes 1 + 3) = 9; b: product 1 + 3 = 4; 9 + 4 = 13
  [
    'a fragment spread in a list and outside one, under aliases',
    '{ a: products(first: 2) { nodes { ...F } } b: product(id: "x") { ...F } } fragment F on Product { name price { amount } }',
    {},
    13,
  ],
  // products 1 + 1 × (nodes 1 + id 1) = 3: the two __typename are free
  ['__typename', '{ __typename products(first: 1) { nodes { __typename id } } }', {}, 3],
  // cancelOrder 1 + id 1 + 5 × (items 1 + quantity 1) = 12
  ['a mutation', 'mutation { cancelOrder(input: { orderId: "x" }) { id items { quantity } } }', {}, 12],
  // A: products 1 + totalCount 1 = 2; B: products 1 + 10 × (nodes 1 + id 1) = 21; the larger: 21
  ['two operations', 'query A { products(first: 1) { totalCount } } query B { products(first: 10) { nodes { id } } }', {}, 21],
];

describe('the cost estimate', () => {
  it.each(costs)('%s', (_name, query, variables, cost) => {
    expect(queryCost(schema, parse(query), variables)).toBe(cost);
  });
});

describe('the work of checking a query', () => {
  it('is linear in the document for our checks: at most 4 visits per selection (property)', () => {
    fc.assert(
      fc.property(documents, ({ source, variables }) => {
        const document = parse(source);
        expect(ourWork(document, variables)).toBeLessThanOrEqual(4 * selectionCount(document));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the estimates the same query with its fragments written out gets (property)', () => {
    fc.assert(
      fc.property(documents, ({ source, variables, writtenOut }) => {
        fc.pre(writtenOut !== undefined);
        const document = parse(source);
        const written = parse(writtenOut);
        // Written out, the document has no spreads: its own selections are the expansion.
        expect(expandedSelections(document)).toBe(selectionCount(written));
        expect(queryCost(schema, document, variables)).toBe(queryCost(schema, written, variables));
      }),
      { numRuns: 300 },
    );
  });

  it('is linear for the issue’s document, 24 and 200 levels of fragments spreading the next twice', () => {
    for (const levels of [24, 200]) {
      const document = parse(doubling(levels));
      expect(ourWork(document)).toBeLessThanOrEqual(4 * selectionCount(document));
      expect(expandedSelections(document)).toBeGreaterThan(2 ** 24);
      // 2^levels × 100 products: far over any limit, and still a finite number.
      expect(queryCost(schema, document)).toBeGreaterThan(2 ** 24);
      expect(Number.isFinite(queryCost(schema, document))).toBe(true);
    }
  });

  it('is linear for graphql’s own rules on fragment DAGs: reads per selection do not grow with the levels', () => {
    const perSelection = [8, 16, 32, 64].map((levels) => {
      const document = parse(doubling(levels), { noLocation: true });
      return graphqlRulesReads(document) / selectionCount(document);
    });
    const [smallest] = perSelection;
    // A wide margin: exponential work would multiply this by 2^56 between 8 and 64 levels.
    for (const ratio of perSelection) expect(ratio).toBeLessThanOrEqual(2 * (smallest ?? 0));
  });

  it('keeps graphql’s own rules within a bounded number of reads per selection on random documents (property)', () => {
    fc.assert(
      fc.property(documents, ({ source }) => {
        const document = parse(source, { noLocation: true });
        expect(graphqlRulesReads(document)).toBeLessThanOrEqual(READS_PER_SELECTION * selectionCount(document));
      }),
      { numRuns: 200 },
    );
  });

  /*
   * What stays quadratic in graphql's OverlappingFieldsCanBeMerged: fields of one response name and
   * fragments side by side in one selection set are compared pairwise. The width limit refuses
   * more than MAX_SIBLINGS of either before validation; up to it, reads per selection stay bounded.
   */
  const wide: Record<string, (width: number) => string> = {
    'one field, repeated': (width) => `{ products { nodes { ${'price { amount } '.repeat(width)} } } }`,
    'fragments side by side': (width) =>
      `{ products { nodes { ${Array.from({ length: width }, (_, i) => `...F${i}`).join(' ')} } } }` +
      Array.from({ length: width }, (_, i) => ` fragment F${i} on Product { price { amount } }`).join(''),
    'both, in every fragment': (width) =>
      `{ products { nodes { ${'price { amount } '.repeat(width)} ${Array.from({ length: width }, (_, i) => `...F${i}`).join(' ')} } } }` +
      Array.from({ length: width }, (_, i) => ` fragment F${i} on Product { ${'price { amount } '.repeat(width)} }`).join(''),
  };

  it.each(Object.entries(wide))(
    'refuses a selection set wider than MAX_SIBLINGS, and bounds graphql’s rules up to it: %s',
    (_name, build) => {
      for (const width of [10, 25, MAX_SIBLINGS]) {
        const document = parse(build(width), { noLocation: true });
        expect(() => enforceWidthLimit(document)).not.toThrow();
        expect(graphqlRulesReads(document)).toBeLessThanOrEqual(WIDE_READS_PER_SELECTION * selectionCount(document));
      }
      expect(() => enforceWidthLimit(parse(build(MAX_SIBLINGS + 1)))).toThrow(/at most 50 are allowed/);
    },
  );

  it('shows why: without the width limit, graphql’s reads per selection grow with the width', () => {
    const perSelection = (width: number) => {
      const document = parse(wide['one field, repeated']?.(width) ?? '', { noLocation: true });
      return graphqlRulesReads(document) / selectionCount(document);
    };
    // Linear rules would read the same per selection at any width; pairwise comparison does not.
    expect(perSelection(1_000)).toBeGreaterThan(2 * perSelection(10));
  });
});

/** Measured at widths 10-50: at most about 770 (both, width 25); one field repeated 1,000 times reads 3.4 times more per selection than 10 times. */
const WIDE_READS_PER_SELECTION = 1_500;

/** Measured on these documents (3,000 runs): at most about 165; the doubling documents about 180 at every depth. */
const READS_PER_SELECTION = 400;
