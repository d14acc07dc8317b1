import type { FragmentDefinitionNode, SelectionSetNode, ValidationContext, ValidationRule } from 'graphql';
import { GraphQLError, Kind } from '../graphql/runtime.js';
import { visitedSelections } from './document-walk.js';

// Depth and aliases: graphql validation rules, so their verdict is cached with the document.

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
