/*
 * What `docker compose` does to compose.yaml before it runs anything, for the tests: read the
 * .env file and substitute ${...} in the file's values. Only the forms Compose documents are
 * accepted; the tests then hold the result against the Compose schema and the services' own
 * configuration schemas.
 */

/** Reads a .env file: NAME=value lines, # comments, optional single or double quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match === null) throw new Error(`line ${index + 1}: expected NAME=value`);
    let value = match[2] ?? '';
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted !== null) value = quoted[2] ?? '';
    else if (value.includes(' #')) value = value.slice(0, value.indexOf(' #')).trimEnd();
    values[match[1] ?? ''] = value;
  });
  return values;
}

export class InterpolationError extends Error {
  override readonly name = 'InterpolationError';
}

/**
 * Compose interpolation of one string: $$ is a literal $; $NAME and ${NAME}; ${NAME:-default}
 * and ${NAME-default}; ${NAME:?message} and ${NAME?message}, which fail when the variable is
 * unset (or, with the colon, empty). Defaults may themselves contain ${...}.
 */
export function interpolate(text: string, variables: Readonly<Record<string, string | undefined>>): string {
  let result = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) {
      result += text.slice(index);
      break;
    }
    result += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      result += '$';
      index = dollar + 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, dollar + 2);
      result += substitute(text.slice(dollar + 2, end), variables);
      index = end + 1;
      continue;
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(dollar + 1));
    if (bare === null) throw new InterpolationError(`invalid interpolation format in "${text}": a lone $ (write $$ for a literal one)`);
    result += variables[bare[0]] ?? '';
    index = dollar + 1 + bare[0].length;
  }
  return result;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let index = from; index < text.length; index++) {
    if (text[index] === '{') depth++;
    else if (text[index] === '}' && --depth === 0) return index;
  }
  throw new InterpolationError(`unclosed \${ in "${text}"`);
}

function substitute(expression: string, variables: Readonly<Record<string, string | undefined>>): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])(.*))?$/s.exec(expression);
  if (match === null) throw new InterpolationError(`invalid interpolation format: \${${expression}}`);
  const [, name = '', colon, operator, argument = ''] = match;
  const value = variables[name];
  const missing = value === undefined || (colon === ':' && value === '');
  if (operator === undefined) return value ?? '';
  if (!missing) return value;
  if (operator === '-') return interpolate(argument, variables);
  throw new InterpolationError(`required variable ${name} is missing a value: ${interpolate(argument, variables)}`);
}

/** Interpolates every string value in a parsed document (keys are left as written, as Compose does). */
export function interpolateDocument(node: unknown, variables: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof node === 'string') return interpolate(node, variables);
  if (Array.isArray(node)) return node.map((item) => interpolateDocument(item, variables));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateDocument(value, variables)]));
  }
  return node;
}

/** Every variable name a document refers to, with whether it is required (:? or ?). */
export function referencedVariables(node: unknown): Map<string, { required: boolean }> {
  const found = new Map<string, { required: boolean }>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?/g)) {
        const name = match[1] ?? '';
        const required = (match[2] ?? '').endsWith('?');
        found.set(name, { required: required || (found.get(name)?.required ?? false) });
      }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  visit(node);
  return found;
}
