import type { FastifyInstance } from 'fastify';
import type { ValidationRule } from 'graphql';
import type { GatewayConfig } from '../config.js';
import { NoSchemaIntrospectionCustomRule } from '../graphql/runtime.js';
import { aliasLimitRule, depthLimitRule } from './depth-and-alias-rules.js';
import { enforceExpansionLimit } from './fragment-expansion.js';
import { singleAuthMutationRule } from './one-auth-mutation-rule.js';
import { enforceCostLimit } from './query-cost.js';
import { enforceNestingLimit } from './query-nesting.js';
import { enforceWidthLimit } from './selection-width.js';

/*
 * Query limits. Everything here runs before the first resolver, so an abusive query costs the
 * backends nothing. In order:
 *   1. body size (fastify's bodyLimit) and token count (graphql's parser, maxTokens): a huge
 *      document is refused before it is even parsed; so is one nested too deep (query-nesting.ts);
 *   2. fragment expansion and selection width (fragment-expansion.ts, selection-width.ts): before
 *      graphql's own validation rules, whose work they bound;
 *   3. depth, aliases and one authentication mutation: validation rules, cached with the document;
 *   4. cost: in a preExecution hook, because it depends on the variables (`first: $n`).
 * Each answers BAD_USER_INPUT with a `reason` saying which limit, and the numbers.
 */

/** The validation rules Mercurius runs besides graphql's own (and caches with the document). */
export function queryValidationRules(config: GatewayConfig): ValidationRule[] {
  return [
    depthLimitRule(config.MAX_QUERY_DEPTH),
    aliasLimitRule(config.MAX_QUERY_ALIASES),
    singleAuthMutationRule(),
    ...(config.INTROSPECTION ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
}

/** The limits that are hooks of Mercurius' pipeline; call after Mercurius is registered on `api`. */
export function registerQueryLimits(api: FastifyInstance, config: GatewayConfig): void {
  api.graphql.addHook('preParsing', (_schema, source) => {
    enforceNestingLimit(source, config.MAX_QUERY_TOKENS);
    return Promise.resolve();
  });
  // Before graphql's own validation rules: none of them then sees a document that, written out,
  // would be larger than the largest one the parser accepts.
  api.graphql.addHook('preValidation', (_schema, document) => {
    enforceExpansionLimit(document, config.MAX_QUERY_TOKENS);
    enforceWidthLimit(document);
    return Promise.resolve();
  });
  api.graphql.addHook('preExecution', (schema, document, _context, variables) => {
    enforceCostLimit(schema, document, variables, config.MAX_QUERY_COST);
    return Promise.resolve();
  });
}
