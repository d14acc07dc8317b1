import fc from 'fast-check';
import type { DocumentNode, FragmentDefinitionNode, GraphQLNamedType, SelectionSetNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  Kind,
  buildSchema,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  specifiedRules,
  validate,
  valueFromAST,
} from '../src/graphql/runtime.js';
import { loadSchema } from '../src/graphql/schema-files.js';
import { aliasLimitRule, depthLimitRule } from '../src/guards/depth-and-alias-rules.js';
import { visitedSelections } from '../src/guards/document-walk.js';
import { expandedSelections } from '../src/guards/fragment-expansion.js';
import { LIST_ESTIMATE, queryCost } from '../src/guards/query-cost.js';
import { MAX_SIBLINGS, enforceWidthLimit } from '../src/guards/selection-width.js';
import { MAX_FIRST } from '../src/resolvers/relay-paging.js';

/*
 * Every check of a query must take time linear in its document, whatever its fragments do. Work is
 * counted, never timed: our checks count the selections they visit (visitedSelections), and
 * graphql's own validation rules are counted by the reads they make of the document (every node
 * behind a Proxy that counts property reads).
 */

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
}

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
    const operation = `query Q($first: Int, $orders: Int) {
      products(first: $first) { totalCount nodes { ${render(products, -1, n)} } edges { cursor node { ${render(products, -1, n)} } } }
      viewer { id orders(first: $orders) { nodes { id items { quantity product { ${render(ordered, -1, n)} } } } } }
    }`;
    return {
      source: [operation, ...definitions].join('\n'),
      variables: { ...(first === undefined ? {} : { first }), ...(orders === undefined ? {} : { orders }) },
    };
  });

/* ---- oracles: the same estimates computed the obvious way, fragments written out ---- */

function naiveCost(
  selectionSet: SelectionSetNode | undefined,
  parentType: GraphQLNamedType,
  pageSize: number | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  if (selectionSet === undefined || !isObjectType(parentType)) return 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = parentType.getFields()[selection.name.value];
      if (field === undefined) continue;
      const firstArgument = field.args.find((arg) => arg.name === 'first');
      const given = selection.arguments?.find((arg) => arg.name.value === 'first');
      const first: unknown =
        firstArgument === undefined
          ? undefined
          : given === undefined
            ? firstArgument.defaultValue
            : valueFromAST(given.value, firstArgument.type, variables);
      const childPageSize = firstArgument === undefined ? undefined : typeof first === 'number' ? first : MAX_FIRST;
      const list = isListType(isNonNullType(field.type) ? field.type.ofType : field.type);
      cost +=
        (list ? (pageSize ?? LIST_ESTIMATE) : 1) *
        (1 + naiveCost(selection.selectionSet, getNamedType(field.type), childPageSize, fragments, variables));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      cost += naiveCost(selection.selectionSet, parentType, pageSize, fragments, variables);
    } else {
      cost += naiveCost(fragments.get(selection.name.value)?.selectionSet, parentType, pageSize, fragments, variables);
    }
  }
  return cost;
}

function naiveExpanded(selectionSet: SelectionSetNode | undefined, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  let count = 0;
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) count += naiveExpanded(fragments.get(selection.name.value)?.selectionSet, fragments);
    else count += 1 + naiveExpanded(selection.selectionSet, fragments);
  }
  return count;
}

function oracle(document: DocumentNode, variables: Record<string, unknown>): { cost: number; expanded: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const query = schema.getQueryType();
  if (operation?.kind !== Kind.OPERATION_DEFINITION || query == null) throw new Error('no query');
  return {
    cost: naiveCost(operation.selectionSet, query, undefined, fragments, variables),
    expanded: naiveExpanded(operation.selectionSet, fragments),
  };
}

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

  it('gives the estimates written-out fragments would give (property)', () => {
    fc.assert(
      fc.property(documents, ({ source, variables }) => {
        const document = parse(source);
        const expected = oracle(document, variables);
        // The oracle takes exponential time; keep it to documents it can finish.
        fc.pre(expected.expanded <= 20_000);
        expect(expandedSelections(document)).toBe(expected.expanded);
        expect(queryCost(schema, document, variables)).toBe(expected.cost);
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
