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
  OperationTypeNode,
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

function limitError(message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
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
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      const depth = measureDepth(operation.selectionSet, (name) => context.getFragment(name), new Map(), new Set());
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
  });
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

function pageSizeOf(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): number | undefined {
  const definition = field.args.find((arg) => arg.name === 'first');
  if (definition === undefined) return undefined;
  const argument = node.arguments?.find((arg) => arg.name.value === 'first');
  const value: unknown =
    argument === undefined ? definition.defaultValue : valueFromAST(argument.value, definition.type, variables);
  // An invalid or missing value is refused later by the resolver; estimate it at the maximum.
  if (typeof value !== 'number' || !Number.isInteger(value)) return MAX_FIRST;
  return Math.min(Math.max(value, 0), MAX_FIRST);
}

function selectionCost(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode | undefined,
  parentType: GraphQLNamedType,
  pageSize: number | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  visiting: Set<string>,
): number {
  if (selectionSet === undefined || !isObjectType(parentType)) return 0;
  const fields = parentType.getFields();
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = fields[selection.name.value];
      if (field === undefined) continue; // __typename and introspection: no backend behind them
      const childPageSize = pageSizeOf(field, selection, variables);
      const repeat = isList(field.type) ? (pageSize ?? LIST_ESTIMATE) : 1;
      cost +=
        repeat *
        (1 +
          selectionCost(schema, selection.selectionSet, getNamedType(field.type), childPageSize, fragments, variables, visiting));
    } else {
      const condition = selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition : fragments.get(selection.name.value)?.typeCondition;
      const type = condition === undefined ? parentType : (schema.getType(condition.name.value) ?? parentType);
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        cost += selectionCost(schema, selection.selectionSet, type, pageSize, fragments, variables, visiting);
      } else {
        const name = selection.name.value;
        if (visiting.has(name)) continue;
        visiting.add(name);
        cost += selectionCost(schema, fragments.get(name)?.selectionSet, type, pageSize, fragments, variables, visiting);
        visiting.delete(name);
      }
    }
  }
  return cost;
}

/**
 * The estimated cost of the costliest operation in the document (the hook that calls this does
 * not learn which one will run).
 */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let max = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = definition.operation === OperationTypeNode.MUTATION ? schema.getMutationType() : schema.getQueryType();
    if (root === null || root === undefined) continue;
    max = Math.max(max, selectionCost(schema, definition.selectionSet, root, undefined, fragments, variables, new Set()));
  }
  return max;
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
