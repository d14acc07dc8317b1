import { Lexer, Source, TokenKind } from '../graphql/runtime.js';
import { GatewayError } from '../http/error-codes.js';

/**
 * graphql's parser and several validation rules recurse once per level of nesting: about 2,000
 * levels of `{` (or `[`, `(`), well within the token limit, overflow the stack. Nesting is
 * counted on the tokens before parsing; no query of ours needs more than this.
 */
export const MAX_NESTING = 128;

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/** Refuses a document nested deeper than MAX_NESTING (a preParsing hook calls this). */
export function enforceNestingLimit(source: string, maxTokens: number): void {
  const lexer = new Lexer(new Source(source));
  let nesting = 0;
  try {
    for (let tokens = 0; tokens < maxTokens; tokens++) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF) return;
      if (OPENING.has(token.kind) && ++nesting > MAX_NESTING) {
        throw new GatewayError(
          'BAD_USER_INPUT',
          `the query is nested more than ${MAX_NESTING} levels deep`,
          { reason: 'QUERY_TOO_DEEP', maxNesting: MAX_NESTING },
          400,
        );
      }
      if (CLOSING.has(token.kind)) nesting--;
    }
  } catch (error) {
    // A syntax error is the parser's to report, with its own message.
    if (error instanceof GatewayError) throw error;
  }
}
