import { DomainError } from '@emporium/kit/errors.js';

/*
 * The services name fields as in proto ("lines[1].product_id", "page_token"); a
 * client knows them as GraphQL arguments ("input.items[1].productId", "after"). Resolvers say how
 * one maps to the other, and the message's "field: " prefix follows.
 */

const camel = (segment: string) => segment.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export interface FieldMapping {
  /** Prepended to every field: "input" for mutations. */
  readonly prefix?: string;
  /** Proto path prefix -> GraphQL path prefix, longest first wins: { lines: 'items', 'price.amount_minor': 'price' }. */
  readonly renames?: Readonly<Record<string, string>>;
}

export function graphqlFieldName(field: string, mapping: FieldMapping): string {
  let path = field;
  const renames = Object.entries(mapping.renames ?? {}).sort(([a], [b]) => b.length - a.length);
  for (const [from, to] of renames) {
    if (path === from || path.startsWith(`${from}.`) || path.startsWith(`${from}[`)) {
      path = to + path.slice(from.length);
      break;
    }
  }
  path = path
    .split('.')
    .map((segment) => camel(segment))
    .join('.');
  return mapping.prefix === undefined ? path : `${mapping.prefix}.${path}`;
}

/** A rejection handler that renames the field of a domain error: `.catch(inField({ prefix: 'input' }))`. */
export function inField(mapping: FieldMapping): (error: unknown) => never {
  return (error) => {
    if (error instanceof DomainError && error.field !== undefined) {
      const field = graphqlFieldName(error.field, mapping);
      const message = error.message.startsWith(`${error.field}: `)
        ? `${field}: ${error.message.slice(error.field.length + 2)}`
        : error.message;
      throw new DomainError(error.kind, message, { ...error.details, field });
    }
    throw error;
  };
}
