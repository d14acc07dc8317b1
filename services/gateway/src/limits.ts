import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLOutputType,
  GraphQLSchema,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from 'graphql';
import {
  GraphQLError,
  Kind,
  Lexer,
  OperationTypeNode,
  Source,
  TokenKind,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  valueFromAST,
} from './graphql.js';
import { MAX_FIRST } from './connection.js';
import { GatewayError } from './errors.js';

/*
 * Query limits. Everything here runs before the first resolver, so an abusive query costs the
 * backends nothing. In order:
 *   1. body size (fastify's bodyLimit) and token count (graphql's parser, maxTokens): a huge
 *      document is refused before it is even parsed;
 *   2. depth and aliases: validation rules, cached with the document;
 *   3. cost: in a preExecution hook, because it depends on the variables (`first: $n`).
 * Each answers BAD_USER_INPUT with a `reason` saying which limit, and the numbers.
 */

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);
/**
 * Introspection is nested deeper than any query of ours (GraphiQL's own introspection query
 * follows `ofType` nine levels down) but asks no backend; it gets its own depth limit.
 */
export const MAX_INTROSPECTION_DEPTH = 15;

/**
 * Selections visited by the checks of this file since the process started. Every check visits a
 * fragment's selections once per document (memoized), never once per spread, so this grows
 * linearly with the size of the documents checked; the property tests bound it.
 */
export const visitedSelections = { count: 0 };

function limitError(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
}

/**
 * graphql's parser and several validation rules recurse once per level of nesting: about 2,000
 * levels of `{` (or `[`, `(`), well within the token limit, overflow the stack. Nesting is
 * counted on the tokens before parsing; no query of ours needs more than this.
 */
export const MAX_NESTING = 128;

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/** Refuses a document nested deeper than MAX_NESTING (a preParsing hook calls this). */
export function enforceNestingLimit(source: string, maxTokens: number): void {
  const lexer = new Lexer(new Source(source));
  let nesting = 0;
  try {
    for (let tokens = 0; tokens < maxTokens; tokens++) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF) return;
      if (OPENING.has(token.kind) && ++nesting > MAX_NESTING) {
        throw new GatewayError(
          'BAD_USER_INPUT',
          `the query is nested more than ${MAX_NESTING} levels deep`,
          { reason: 'QUERY_TOO_DEEP', maxNesting: MAX_NESTING },
          400,
        );
      }
      if (CLOSING.has(token.kind)) nesting--;
    }
  } catch (error) {
    // A syntax error is the parser's to report, with its own message.
    if (error instanceof GatewayError) throw error;
  }
}

/** Depth of a selection set: a leaf field is 1 deep, `a { b }` 2; fragments count as inlined. */
function measureDepth(
  selectionSet: SelectionSetNode | undefined,
  fragment: (name: string) => FragmentDefinitionNode | null | undefined,
  memo: Map<string, { regular: number; introspection: number }>,
  visiting: Set<string>,
): { regular: number; introspection: number } {
  let regular = 0;
  let introspection = 0;
  for (const selection of selectionSet?.selections ?? []) {
    visitedSelections.count++;
    if (selection.kind === Kind.FIELD) {
      const inner = measureDepth(selection.selectionSet, fragment, memo, visiting);
      if (INTROSPECTION_FIELDS.has(selection.name.value)) {
        introspection = Math.max(introspection, 1 + Math.max(inner.regular, inner.introspection));
      } else if (selection.name.value !== '__typename') {
        regular = Math.max(regular, 1 + inner.regular);
        introspection = Math.max(introspection, inner.introspection);
      }
    } else {
      let inner: { regular: number; introspection: number };
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measureDepth(selection.selectionSet, fragment, memo, visiting);
      } else {
        const name = selection.name.value;
        // Fragment depth does not depend on where it is spread: measured once (a document of
        // fragments spreading each other twice would otherwise take exponential time). A cycle
        // is NoFragmentCyclesRule's to report; here it just stops.
        const known = memo.get(name);
        if (known !== undefined) inner = known;
        else if (visiting.has(name)) inner = { regular: 0, introspection: 0 };
        else {
          visiting.add(name);
          inner = measureDepth(fragment(name)?.selectionSet, fragment, memo, visiting);
          visiting.delete(name);
          memo.set(name, inner);
        }
      }
      regular = Math.max(regular, inner.regular);
      introspection = Math.max(introspection, inner.introspection);
    }
  }
  return { regular, introspection };
}

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext) => {
    // One memo for the whole document: a fragment's depth is the same in every operation.
    const memo = new Map<string, { regular: number; introspection: number }>();
    return {
      OperationDefinition(operation) {
        const depth = measureDepth(operation.selectionSet, (name) => context.getFragment(name), memo, new Set());
        if (depth.regular > maxDepth) {
          context.reportError(
            limitError(`the query is ${depth.regular} levels deep; at most ${maxDepth} are allowed`, {
              reason: 'QUERY_TOO_DEEP',
              depth: depth.regular,
              maxDepth,
            }),
          );
        }
        if (depth.introspection > MAX_INTROSPECTION_DEPTH) {
          context.reportError(
            limitError(`the introspection query is ${depth.introspection} levels deep; at most ${MAX_INTROSPECTION_DEPTH} are allowed`, {
              reason: 'QUERY_TOO_DEEP',
              depth: depth.introspection,
              maxDepth: MAX_INTROSPECTION_DEPTH,
            }),
          );
        }
      },
    };
  };
}

/** Aliases let one request repeat an expensive field hundreds of times; few queries need many. */
export function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context: ValidationContext) => {
    let aliases = 0;
    return {
      Field(field) {
        if (field.alias !== undefined) aliases++;
      },
      Document: {
        leave() {
          if (aliases > maxAliases) {
            context.reportError(
              limitError(`the query uses ${aliases} aliases; at most ${maxAliases} are allowed`, {
                reason: 'TOO_MANY_ALIASES',
                aliases,
                maxAliases,
              }),
            );
          }
        },
      },
    };
  };
}

/* --------------------------------------------------------------------------------------------
 * Cost: an estimate of the objects a query makes the gateway produce. Every field costs 1, times
 * the number of times it is expected to be resolved: inside a connection's `nodes` or `edges`
 * that is the connection's `first` (argument, variable or default), inside any other list (an
 * order's items) LIST_ESTIMATE. So
 *   accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } }
 * costs about 16,000: 50 accounts x 20 orders x 5 items x 3 fields (item, product, name), plus
 * the levels above.
 * ------------------------------------------------------------------------------------------ */

/** How many entries a list without a page size is expected to have (an order's items). */
export const LIST_ESTIMATE = 5;

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

function pageSizeOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number | undefined {
  const definition = field.args.find((arg) => arg.name === 'first');
  if (definition === undefined) return undefined;
  const argument = node.arguments?.find((arg) => arg.name.value === 'first');
  const value: unknown = argument === undefined ? definition.defaultValue : valueFromAST(argument.value, definition.type, variables);
  // An invalid or missing value is refused later by the resolver; estimate it at the maximum.
  if (typeof value !== 'number' || !Number.isInteger(value)) return MAX_FIRST;
  return Math.min(Math.max(value, 0), MAX_FIRST);
}

/**
 * The cost of a selection set inside a list whose expected length is n: perItem × n + once.
 * Kept as the pair, so that a fragment's cost is computed once per type it is spread on, whatever
 * the page size around it (a document of fragments each spreading the next one twice costs
 * exponentially much, and is checked in linear time).
 */
interface Cost {
  readonly perItem: number;
  readonly once: number;
}

/** Beyond any limit; keeps sums and products finite (no Infinity, no NaN from Infinity × 0). */
const COST_CAP = Number.MAX_SAFE_INTEGER;
const capped = (value: number) => Math.min(value, COST_CAP);

function costIn(cost: Cost, pageSize: number | undefined): number {
  return capped(cost.perItem * (pageSize ?? LIST_ESTIMATE) + cost.once);
}

interface CostWalk {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Record<string, unknown>;
  /** "fragment name:type name" -> its cost. */
  readonly memo: Map<string, Cost>;
  readonly visiting: Set<string>;
}

function selectionCost(walk: CostWalk, selectionSet: SelectionSetNode | undefined, parentType: GraphQLNamedType): Cost {
  if (selectionSet === undefined || !isObjectType(parentType)) return { perItem: 0, once: 0 };
  const fields = parentType.getFields();
  let perItem = 0;
  let once = 0;
  const add = (cost: Cost) => {
    perItem = capped(perItem + cost.perItem);
    once = capped(once + cost.once);
  };
  for (const selection of selectionSet.selections) {
    visitedSelections.count++;
    if (selection.kind === Kind.FIELD) {
      const field = fields[selection.name.value];
      if (field === undefined) continue; // __typename and introspection: no backend behind them
      const inner = costIn(
        selectionCost(walk, selection.selectionSet, getNamedType(field.type)),
        pageSizeOf(field, selection, walk.variables),
      );
      // Resolved once per item of the list around it, or once.
      if (isList(field.type)) perItem = capped(perItem + 1 + inner);
      else once = capped(once + 1 + inner);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition;
      const type = condition === undefined ? parentType : (walk.schema.getType(condition.name.value) ?? parentType);
      add(selectionCost(walk, selection.selectionSet, type));
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      const type = (fragment && walk.schema.getType(fragment.typeCondition.name.value)) ?? parentType;
      const key = `${name}:${type.name}`;
      const known = walk.memo.get(key);
      if (known !== undefined) {
        add(known);
        continue;
      }
      // A cycle is NoFragmentCyclesRule's to report (such a document never executes); here it stops.
      if (walk.visiting.has(name)) continue;
      walk.visiting.add(name);
      const cost = selectionCost(walk, fragment?.selectionSet, type);
      walk.visiting.delete(name);
      walk.memo.set(key, cost);
      add(cost);
    }
  }
  return { perItem, once };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * The estimated cost of the costliest operation in the document (the hook that calls this does
 * not learn which one will run).
 */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}): number {
  const walk: CostWalk = { schema, fragments: fragmentsOf(document), variables, memo: new Map(), visiting: new Set() };
  let max = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = definition.operation === OperationTypeNode.MUTATION ? schema.getMutationType() : schema.getQueryType();
    if (root === null || root === undefined) continue;
    max = Math.max(max, costIn(selectionCost(walk, definition.selectionSet, root), undefined));
  }
  return max;
}

/* --------------------------------------------------------------------------------------------
 * Expansion: how many selections the document has with every fragment spread written out in
 * place. graphql's own validation rules and the executor handle fragments without writing them
 * out, but a document whose fragments spread each other twice, 24 levels deep, stands for 16
 * million selections; refusing it before validation keeps every later step bounded by a document
 * we would have parsed anyway. Counted with one memo entry per fragment: linear.
 * ------------------------------------------------------------------------------------------ */

function countExpanded(
  selectionSet: SelectionSetNode | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  memo: Map<string, number>,
  visiting: Set<string>,
): number {
  let count = 0;
  for (const selection of selectionSet?.selections ?? []) {
    visitedSelections.count++;
    if (selection.kind === Kind.FIELD || selection.kind === Kind.INLINE_FRAGMENT) {
      count = capped(count + 1 + countExpanded(selection.selectionSet, fragments, memo, visiting));
      continue;
    }
    const name = selection.name.value;
    let inner = memo.get(name);
    if (inner === undefined) {
      if (visiting.has(name)) continue; // a cycle: NoFragmentCyclesRule reports it
      visiting.add(name);
      inner = countExpanded(fragments.get(name)?.selectionSet, fragments, memo, visiting);
      visiting.delete(name);
      memo.set(name, inner);
    }
    count = capped(count + inner);
  }
  return count;
}

/* --------------------------------------------------------------------------------------------
 * Width. graphql's OverlappingFieldsCanBeMerged compares, within each selection set, every pair
 * of fields of one response name and every pair of fragments spread there: quadratic in how many
 * there are side by side (2,000 `price { amount }` in one set: 2 million comparisons). Capping
 * both per selection set keeps its work within a constant factor of the document's size.
 * ------------------------------------------------------------------------------------------ */

/** At most this many fields of one response name, and distinct fragments spread, in one selection set. */
export const MAX_SIBLINGS = 50;

interface Width {
  readonly fields: Map<string, number>;
  readonly fragments: Set<string>;
}

/** Counts a selection set's fields by response name and its spreads, inline fragments flattened as graphql does. */
function countWidth(selectionSet: SelectionSetNode, width: Width, nested: SelectionSetNode[]): void {
  for (const selection of selectionSet.selections) {
    visitedSelections.count++;
    if (selection.kind === Kind.FIELD) {
      const name = selection.alias?.value ?? selection.name.value;
      width.fields.set(name, (width.fields.get(name) ?? 0) + 1);
      if (selection.selectionSet !== undefined) nested.push(selection.selectionSet);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      countWidth(selection.selectionSet, width, nested);
    } else {
      width.fragments.add(selection.name.value);
    }
  }
}

/** Refuses a document with a selection set wider than MAX_SIBLINGS (a preValidation hook calls this). */
export function enforceWidthLimit(document: DocumentNode): void {
  const pending: SelectionSetNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION)
      pending.push(definition.selectionSet);
  }
  for (let set = pending.pop(); set !== undefined; set = pending.pop()) {
    const width: Width = { fields: new Map(), fragments: new Set() };
    countWidth(set, width, pending);
    const widest = [...width.fields].reduce<[string, number]>((a, b) => (b[1] > a[1] ? b : a), ['', 0]);
    if (widest[1] > MAX_SIBLINGS) {
      throw new GatewayError(
        'BAD_USER_INPUT',
        `"${widest[0]}" is asked ${widest[1]} times in one selection set; at most ${MAX_SIBLINGS} are allowed`,
        { reason: 'SELECTION_TOO_WIDE', responseName: widest[0], count: widest[1], maxSiblings: MAX_SIBLINGS },
        400,
      );
    }
    if (width.fragments.size > MAX_SIBLINGS) {
      throw new GatewayError(
        'BAD_USER_INPUT',
        `${width.fragments.size} fragments are spread in one selection set; at most ${MAX_SIBLINGS} are allowed`,
        { reason: 'SELECTION_TOO_WIDE', fragments: width.fragments.size, maxSiblings: MAX_SIBLINGS },
        400,
      );
    }
  }
}

/** Selections of the largest operation of the document with its fragment spreads written out. */
export function expandedSelections(document: DocumentNode): number {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  let max = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    max = Math.max(max, countExpanded(definition.selectionSet, fragments, memo, new Set()));
  }
  return max;
}

/**
 * Refuses a document that, with its fragments written out, would have more selections than the
 * largest document the parser accepts has tokens (a selection is at least one token). Runs before
 * validation (a preValidation hook).
 */
export function enforceExpansionLimit(document: DocumentNode, maxSelections: number): void {
  const selections = expandedSelections(document);
  if (selections > maxSelections) {
    throw new GatewayError(
      'BAD_USER_INPUT',
      `the query has ${selections} selections with its fragments written out; at most ${maxSelections} are allowed (spread fewer fragments)`,
      { reason: 'QUERY_TOO_LARGE', selections, maxSelections },
      400,
    );
  }
}

/** Refuses a query whose estimated cost is over the limit (a preExecution hook calls this). */
export function enforceCostLimit(schema: GraphQLSchema, document: DocumentNode, variables: unknown, maxCost: number): void {
  const values = typeof variables === 'object' && variables !== null ? Object.fromEntries(Object.entries(variables)) : {};
  const cost = queryCost(schema, document, values);
  if (cost > maxCost) {
    throw new GatewayError(
      'BAD_USER_INPUT',
      `the query's estimated cost is ${cost}; at most ${maxCost} is allowed (ask for smaller pages or fewer fields)`,
      { reason: 'QUERY_TOO_COMPLEX', cost, maxCost },
      400,
    );
  }
}
