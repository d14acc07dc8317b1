import type { DocumentNode, FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import { Kind } from '../graphql/runtime.js';
import { GatewayError } from '../http/error-codes.js';
import { capped, fragmentsOf, visitedSelections } from './document-walk.js';

/*
 * Expansion: how many selections the document has with every fragment spread written out in
 * place. graphql's own validation rules and the executor handle fragments without writing them
 * out, but a document whose fragments spread each other twice, 24 levels deep, stands for 16
 * million selections; refusing it before validation keeps every later step bounded by a document
 * we would have parsed anyway. Counted with one memo entry per fragment: linear.
 */

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
