import type { DocumentNode, FragmentDefinitionNode } from 'graphql';
import { Kind } from '../graphql/runtime.js';

// What the query checks of this folder share while walking a document.

/**
 * Selections visited by the query checks since the process started. Every check visits a
 * fragment's selections once per document (memoized), never once per spread, so this grows
 * linearly with the size of the documents checked; the property tests bound it.
 */
export const visitedSelections = { count: 0 };

/** Beyond any limit; keeps sums and products finite (no Infinity, no NaN from Infinity × 0). */
const COUNT_CAP = Number.MAX_SAFE_INTEGER;
export const capped = (value: number) => Math.min(value, COUNT_CAP);

/** The document's fragments by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}
