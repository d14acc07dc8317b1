import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

/*
 * RFC 6902 JSON Patch (add, remove, replace, test) over RFC 6901 pointers: what kustomize applies
 * for a `patches:` entry whose file is a list of operations. move and copy are left out because
 * the manifests do not use them; an unknown op is a parse error, not a no-op.
 */

const pointer = z.string().refine((value) => value === '' || value.startsWith('/'), 'must be a JSON pointer ("" or starting with /)');

export const jsonPatchSchema = z.array(
  z.discriminatedUnion('op', [
    z.object({ op: z.literal('add'), path: pointer, value: z.unknown() }).strict(),
    z.object({ op: z.literal('replace'), path: pointer, value: z.unknown() }).strict(),
    z.object({ op: z.literal('test'), path: pointer, value: z.unknown() }).strict(),
    z.object({ op: z.literal('remove'), path: pointer }).strict(),
  ]),
);

export type JsonPatch = z.infer<typeof jsonPatchSchema>;

export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
}

function tokens(path: string): string[] {
  if (path === '') return [];
  // ~1 before ~0, as RFC 6901 says, so "~01" reads as "~1" and not "/".
  return path
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayIndex(token: string, length: number, allowEnd: boolean, path: string): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new JsonPatchError(`${path}: "${token}" is not an array index`);
  const index = Number(token);
  if (index > length || (!allowEnd && index === length)) throw new JsonPatchError(`${path}: index ${index} is out of bounds`);
  return index;
}

function resolve(root: unknown, path: string, tokenList: readonly string[]): unknown {
  let current = root;
  for (const token of tokenList) {
    if (Array.isArray(current)) current = current[arrayIndex(token, current.length, false, path)];
    else if (isRecord(current) && Object.hasOwn(current, token)) current = current[token];
    else throw new JsonPatchError(`${path}: no such location`);
  }
  return current;
}

/** Applies the operations in order to a copy of the document; the original is left untouched. */
export function applyJsonPatch(document: unknown, patch: JsonPatch): unknown {
  let root: unknown = structuredClone(document);
  for (const operation of patch) {
    const path = operation.path;
    const all = tokens(path);
    if (operation.op === 'test') {
      const actual = resolve(root, path, all);
      if (!isDeepStrictEqual(actual, operation.value)) {
        throw new JsonPatchError(`${path}: test failed, found ${JSON.stringify(actual)}, expected ${JSON.stringify(operation.value)}`);
      }
      continue;
    }
    const last = all.at(-1);
    if (last === undefined) {
      // The whole document: only replacing it makes sense.
      if (operation.op === 'remove') throw new JsonPatchError('cannot remove the whole document');
      root = structuredClone(operation.value);
      continue;
    }
    const parent = resolve(root, path, all.slice(0, -1));
    if (Array.isArray(parent)) {
      const index = arrayIndex(last, parent.length, operation.op === 'add', path);
      if (operation.op === 'add') parent.splice(index, 0, structuredClone(operation.value));
      else if (operation.op === 'replace') parent[index] = structuredClone(operation.value);
      else parent.splice(index, 1);
    } else if (isRecord(parent)) {
      if (operation.op !== 'add' && !Object.hasOwn(parent, last)) throw new JsonPatchError(`${path}: no such member to ${operation.op}`);
      if (operation.op === 'remove') delete parent[last];
      else parent[last] = structuredClone(operation.value);
    } else {
      throw new JsonPatchError(`${path}: the parent is not an object or array`);
    }
  }
  return root;
}
