/*
 * Secrets that cannot be shipped by mistake. The gateway refuses at start (config.ts) a
 * JWT_SECRET or ADMIN_PASSWORD that is a published example value or plainly weak, naming the
 * variable, so `cp deploy/.env.example deploy/.env` never deploys a publicly known signing key.
 *
 * JWT_SECRET must be the text form of at least 32 random bytes — what `openssl rand -base64 32`,
 * `openssl rand -hex 32` or `randomBytes(32).toString('base64url')` print:
 *   - hex with at least 64 digits, or base64 / base64url with at least 43 characters (= 32 bytes);
 *   - none of the example values in this repository, and no word a person would write
 *     ("change", "secret", "example", ...);
 *   - no sign of being typed rather than drawn: not a repeated pattern, enough distinct characters
 *     (hex 10 of 16, base64 16 of 64), and for base64 both letter cases.
 * Random values practically never fail these (a draw would have to spell one of the words). It is
 * a filter for mistakes — placeholders, short or repeated values — not an entropy proof: a typed
 * phrase of 43 characters passes. (A check for English letter pairs was tried and dropped: on
 * random base64 it refused about one draw in tens of thousands.)
 */

/** Every example value the repository publishes (deploy/.env.example, READMEs, manifests' docs). */
export const PUBLISHED_EXAMPLES: readonly string[] = [
  'change-me-to-64-hex-characters-from-openssl-rand-hex-32',
  'change-me-admin-password',
  'change-me-postgres-superuser-password',
  'changemeaccountdbpassword',
  'changemecatalogdbpassword',
  'changemeorderdbpassword',
  'replace-with-output-of-openssl-rand-base64-32',
  'replace-with-a-long-random-admin-password',
  'a long admin password',
];

const WORDS = ['change', 'replace', 'secret', 'example', 'sample', 'password', 'passwd', 'placeholder', 'default', 'emporium', 'insecure'];
const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** True when the text is one unit repeated (a unit at most half its length). */
function isRepeatedPattern(text: string): boolean {
  for (let unit = 1; unit <= text.length / 2; unit++) {
    if (text.length % unit === 0 && text.slice(0, unit).repeat(text.length / unit) === text) return true;
  }
  return false;
}

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

function publishedOrWord(value: string): string | undefined {
  if (PUBLISHED_EXAMPLES.includes(value.toLowerCase())) return 'is an example value published in this repository';
  // As people write words (change, CHANGE, Change): random text holds one of these by chance
  // about once in a billion; any mix of cases would be once in a million.
  const word = WORDS.find((w) => value.includes(w) || value.includes(w.toUpperCase()) || value.includes(capitalized(w)));
  return word === undefined ? undefined : `contains the word "${word}", so it was typed, not generated`;
}

/** Why a JWT_SECRET is not acceptable, or undefined when it is. */
export function weakSecretReason(value: string): string | undefined {
  const published = publishedOrWord(value);
  if (published !== undefined) return published;
  const body = value.replace(/=+$/, '');
  const hex = HEX.test(value);
  if (hex ? value.length < 64 : !BASE64.test(value) || body.length < 43) {
    return 'must be at least 32 random bytes as hex (64 digits) or base64 (43 characters): generate one with `openssl rand -base64 32`';
  }
  if (isRepeatedPattern(body)) return 'repeats a pattern, so it is not random';
  if (new Set(body).size < (hex ? 10 : 16)) return 'has too few distinct characters to be random';
  if (!hex) {
    if (!/[a-z]/.test(body) || !/[A-Z]/.test(body)) return 'has letters of one case only, which random base64 almost never has';
  }
  return undefined;
}

const MIN_ADMIN_PASSWORD = 12;
const COMMON = ['admin', 'administrator', 'qwerty', 'letmein', 'welcome', 'root', 'login', 'test', '123456', '1234', 'abc'];

/**
 * Why an ADMIN_PASSWORD is not acceptable, or undefined when it is: a published example, a
 * password-ish word, fewer than 12 characters, or fewer than 8 once common words ("admin",
 * "qwerty", "1234", ...) and repeated characters are taken out. A long random password
 * (`openssl rand -base64 18`) or passphrase passes.
 */
export function weakAdminPasswordReason(value: string): string | undefined {
  const published = publishedOrWord(value);
  if (published !== undefined) return published;
  if ([...value].length < MIN_ADMIN_PASSWORD) return `must have at least ${MIN_ADMIN_PASSWORD} characters`;
  let rest = value.toLowerCase();
  for (const word of COMMON) rest = rest.replaceAll(word, '');
  const substance = rest.replace(/(.)\1+/gu, '$1').replace(/\s+/gu, '');
  if ([...substance].length < 8) return 'is made of common words, digits runs or repeated characters; use a long random one (`openssl rand -base64 18`)';
  return undefined;
}
