import type { DocumentNode, SelectionSetNode } from 'graphql';
import { Kind } from '../graphql/runtime.js';
import { GatewayError } from '../http/error-codes.js';
import { visitedSelections } from './document-walk.js';

/*
 * Width. graphql's OverlappingFieldsCanBeMerged compares, within each selection set, every pair
 * of fields of one response name and every pair of fragments spread there: quadratic in how many
 * there are side by side (2,000 `price { amount }` in one set: 2 million comparisons). Capping
 * both per selection set keeps its work within a constant factor of the document's size.
 */

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
