import type { DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLField, GraphQLNamedType, GraphQLOutputType, GraphQLSchema, SelectionSetNode } from 'graphql';
import { MAX_PAGE_SIZE } from '@emporium/kit/pagination.js';
import { Kind, OperationTypeNode, getNamedType, isListType, isNonNullType, isObjectType, valueFromAST } from '../graphql/runtime.js';
import { GatewayError } from '../http/error-codes.js';
import { capped, fragmentsOf, visitedSelections } from './document-walk.js';

/*
 * Cost: an estimate of the objects a query makes the gateway produce. Every field costs 1, times
 * the number of times it is expected to be resolved: inside a connection's `nodes` or `edges`
 * that is the connection's `first` (argument, variable or default), inside any other list (an
 * order's items) LIST_ESTIMATE. So
 *   accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } }
 * costs 1 + 50 × (1 + 1 + 20 × (1 + 5 × 3)) = 16,101: per item 3 (items, product, name), per
 * order its node and 5 items, per account its node, its orders field and 20 orders, and the
 * accounts field once.
 */

/** How many entries a list without a page size is expected to have (an order's items). */
export const LIST_ESTIMATE = 5;

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/**
 * The most a connection's `first` may be: the services' page size limit, which the resolvers'
 * paging (resolvers/relay-paging.ts, MAX_FIRST) enforces.
 */
const MAX_FIRST = MAX_PAGE_SIZE;

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
