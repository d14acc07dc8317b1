import type { FieldNode, SelectionSetNode, ValidationContext, ValidationRule } from 'graphql';
import { GraphQLError, Kind, OperationTypeNode } from '../graphql/runtime.js';

/*
 * At most one authentication mutation per operation. Each of them costs the account service a
 * password hash (or a token check), and aliases would let one request ask for forty: a rate limit
 * counted per request would then count one where forty hashes run. Refused before execution, so a
 * refused document costs nothing.
 */

/** The mutations that authenticate: matched by field name, so ones added later are listed here. */
export const AUTH_MUTATION_FIELDS: readonly string[] = ['signUp', 'logIn', 'refreshToken', 'logOut'];

/** How many authentication mutations one operation may run. */
export const MAX_AUTH_MUTATIONS = 1;

/**
 * The root fields of an operation that are authentication mutations, one per response key:
 * graphql merges fields with the same response key into one execution (a fragment spread twice
 * runs its fields once), so response keys count executions. Each fragment is walked once.
 */
function authFieldsByResponseKey(
  selectionSet: SelectionSetNode,
  context: ValidationContext,
  names: ReadonlySet<string>,
  found: Map<string, FieldNode>,
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      if (names.has(selection.name.value) && !found.has(key)) found.set(key, selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      authFieldsByResponseKey(selection.selectionSet, context, names, found, visited);
    } else if (!visited.has(selection.name.value)) {
      visited.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      // An unknown fragment is KnownFragmentNamesRule's to report.
      if (fragment !== null && fragment !== undefined) authFieldsByResponseKey(fragment.selectionSet, context, names, found, visited);
    }
  }
}

/** Refuses an operation that runs more than one authentication mutation (BAD_USER_INPUT). */
export function singleAuthMutationRule(fields: readonly string[] = AUTH_MUTATION_FIELDS): ValidationRule {
  const names = new Set(fields);
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      if (operation.operation !== OperationTypeNode.MUTATION) return;
      const found = new Map<string, FieldNode>();
      authFieldsByResponseKey(operation.selectionSet, context, names, found, new Set());
      if (found.size <= MAX_AUTH_MUTATIONS) return;
      const keys = [...found.keys()];
      context.reportError(
        new GraphQLError(
          `an operation may run at most ${MAX_AUTH_MUTATIONS} of ${fields.join(', ')}; this one runs ${found.size} (${keys.join(', ')})`,
          {
            nodes: [...found.values()],
            extensions: { code: 'BAD_USER_INPUT', reason: 'TOO_MANY_AUTH_MUTATIONS', count: found.size, max: MAX_AUTH_MUTATIONS },
          },
        ),
      );
    },
  });
}
