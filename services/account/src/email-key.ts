import { CASE_FOLDING } from '../gen/case-folding.js';

/** Code point -> its full case folding (Unicode CaseFolding.txt, status C and F). */
const FOLDS: ReadonlyMap<number, string> = new Map(
  CASE_FOLDING.split(' ').map((entry) => {
    const [code = '', mapping = ''] = entry.split(':');
    return [Number.parseInt(code, 16), String.fromCodePoint(...mapping.split('.').map((hex) => Number.parseInt(hex, 16)))];
  }),
);

/** Unicode full case folding, the same on every runtime (our table, not the JavaScript engine's ICU). */
export function foldCase(text: string): string {
  let folded = '';
  for (const char of text) folded += FOLDS.get(char.codePointAt(0) ?? 0) ?? char;
  return folded;
}

/**
 * The key two emails are the same account by: Unicode canonical caseless matching (NFD, full case
 * folding, then NFC to store it compactly), computed here rather than by the database's lower(),
 * whose result depends on its collation and differed from JavaScript's toLowerCase() (a final Σ
 * is σ to the one, ς to the other: ΟΔΟΣ could sign up and never log in). So ΟΔΟΣ, οδος and
 * οδοσ are one (final sigma folds to σ), Straße and STRASSE are one (ß folds to ss), and
 * "e" + U+0301 (combining acute) is "é".
 */
export function emailKey(email: string): string {
  return foldCase(email.trim().normalize('NFD')).normalize('NFC');
}
