import { invalidArgument } from './errors.js';

export interface TextRule {
  readonly min: number;
  readonly max: number;
  /** Allow line breaks and tabs (descriptions); names are one line. */
  readonly multiline?: boolean;
}

// Control characters other than the allowed whitespace; format characters such as zero-width
// joiners are fine (emoji sequences and several scripts need them).
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
const LINE_BREAK = /[\t\n\r]/u;

/**
 * Normalizes user text (NFC, trimmed) and checks its length in characters (code points, so that
 * any script and emoji count as people see them), failing with INVALID_ARGUMENT naming the field.
 */
export function parseText(value: string, field: string, rule: TextRule): string {
  if (!value.isWellFormed()) throw invalidArgument(field, 'is not valid Unicode text');
  const text = value.normalize('NFC').trim();
  const length = [...text].length;
  if (length < rule.min) throw invalidArgument(field, rule.min === 1 ? 'is required' : `must have at least ${rule.min} characters`);
  if (length > rule.max) throw invalidArgument(field, `must have at most ${rule.max} characters`);
  if (CONTROL.test(text) || (!rule.multiline && LINE_BREAK.test(text))) {
    throw invalidArgument(field, 'must not contain control characters');
  }
  return text;
}
