import type { ValueNode } from 'graphql';
import { GraphQLError, GraphQLScalarType, Kind } from '../graphql/runtime.js';

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

// RFC 3339 date-time with a zone (Z or ±hh:mm), optional fractional seconds.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    throw badInput('DateTime must be an RFC 3339 string such as "2026-11-24T09:30:00Z"');
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput('DateTime is not a valid date');
  return date;
}

/** Instants go out as RFC 3339 in UTC with milliseconds: one format, sortable as text. */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new Error('DateTime cannot represent a value that is not a valid Date');
  },
  parseValue: parseDateTime,
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be a string');
    return parseDateTime(ast.value);
  },
});

// Only plain decimal notation: no exponent, no separators, no leading '+'.
const DECIMAL = /^-?\d{1,19}(\.\d{1,18})?$/;

function parseDecimalText(value: unknown): string {
  if (typeof value !== 'string') {
    throw badInput('Decimal must be a string such as "19.99": JSON numbers are floats and cannot hold money exactly');
  }
  if (!DECIMAL.test(value)) throw badInput('Decimal must be a decimal number such as "19.99"');
  return value;
}

/**
 * Exact decimals as strings. Only the syntax is checked here; how many places a value may have
 * depends on its currency, which the resolver knows (kit's parseDecimal).
 */
export const Decimal = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  serialize(value) {
    if (typeof value === 'string' && DECIMAL.test(value)) return value;
    throw new Error('Decimal can only represent a decimal string');
  },
  parseValue: parseDecimalText,
  parseLiteral(ast: ValueNode) {
    // A literal 19.99 in the query text is still exact (the AST keeps its digits), but accepting it
    // would teach clients to send numbers in JSON variables, where they are not: strings only.
    if (ast.kind !== Kind.STRING) return parseDecimalText(undefined);
    return parseDecimalText(ast.value);
  },
});
