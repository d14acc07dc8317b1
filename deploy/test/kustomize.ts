import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { applyJsonPatch, jsonPatchSchema } from './json-patch.js';

/*
 * `kustomize build` for the part of kustomize deploy/k8s uses, because the tests run where no
 * kustomize binary is: resources (files and directories), namespace, JSON 6902 patches with a
 * kind/name target, and images. A kustomization using anything else fails to parse here (the
 * schema is strict), so the manifests cannot quietly grow past what the tests understand.
 */

const kustomizationSchema = z
  .object({
    apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
    kind: z.literal('Kustomization'),
    namespace: z.string().min(1).optional(),
    resources: z.array(z.string().min(1)).default([]),
    patches: z
      .array(
        z
          .object({
            path: z.string().min(1),
            target: z.object({ group: z.string().optional(), version: z.string().optional(), kind: z.string(), name: z.string() }).strict(),
          })
          .strict(),
      )
      .default([]),
    images: z
      .array(z.object({ name: z.string(), newName: z.string().optional(), newTag: z.string().optional(), digest: z.string().optional() }).strict())
      .default([]),
  })
  .strict();

export type Kustomization = z.infer<typeof kustomizationSchema>;

/** What every Kubernetes object has; the rest is validated per kind by the tests. */
const resourceSchema = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
  })
  .loose();

export type Resource = z.infer<typeof resourceSchema>;

/** Kinds that live outside namespaces: the namespace transformer leaves them alone. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass', 'IngressClass']);

async function readYamlDocuments(file: string): Promise<unknown[]> {
  const documents = parseAllDocuments(await readFile(file, 'utf8'), { prettyErrors: true });
  return documents
    .map((document): unknown => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
      const value: unknown = document.toJS({ maxAliasCount: 100 });
      return value;
    })
    .filter((value) => value !== null && value !== undefined);
}

export async function readKustomization(dir: string): Promise<Kustomization> {
  const file = join(dir, 'kustomization.yaml');
  const [document, ...rest] = await readYamlDocuments(file);
  if (rest.length > 0) throw new Error(`${file}: one document expected`);
  const result = kustomizationSchema.safeParse(document);
  if (!result.success) throw new Error(`${file}: ${z.prettifyError(result.error)}`);
  return result.data;
}

export function parseResource(value: unknown, where: string): Resource {
  const result = resourceSchema.safeParse(value);
  if (!result.success) throw new Error(`${where}: not a Kubernetes object: ${z.prettifyError(result.error)}`);
  return result.data;
}

function apiGroupAndVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function retagImages(resource: Resource, images: Kustomization['images']): Resource {
  if (images.length === 0) return resource;
  const retag = (image: unknown): unknown => {
    if (typeof image !== 'string') return image;
    // name[:tag][@digest]; a registry port (host:5000/x) has a slash after its colon.
    const match = /^(.*?)(?::([^/:@]+))?(?:@(.+))?$/.exec(image);
    const name = match?.[1] ?? image;
    const rule = images.find((candidate) => candidate.name === name);
    if (rule === undefined) return image;
    const newName = rule.newName ?? name;
    if (rule.digest !== undefined) return `${newName}@${rule.digest}`;
    const tag = rule.newTag ?? match?.[2];
    return tag === undefined ? newName : `${newName}:${tag}`;
  };
  // Containers sit at spec.template.spec for workloads; walk generically so any kind is covered.
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== 'object' || node === null) return node;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      copy[key] = (key === 'containers' || key === 'initContainers') && Array.isArray(value)
        ? value.map((container: unknown) => {
            if (typeof container !== 'object' || container === null || Array.isArray(container)) return container;
            const fields: Record<string, unknown> = { ...container };
            if ('image' in fields) fields.image = retag(fields.image);
            return walk(fields);
          })
        : walk(value);
    }
    return copy;
  };
  return parseResource(walk(resource), `${resource.kind}/${resource.metadata.name}`);
}

/** Renders the kustomization in dir into its resources, in kustomize's order of declaration. */
export async function renderKustomization(dir: string, seen: ReadonlySet<string> = new Set()): Promise<Resource[]> {
  const root = resolve(dir);
  if (seen.has(root)) throw new Error(`${root}: kustomization includes itself`);
  const kustomization = await readKustomization(root);
  let resources: Resource[] = [];
  for (const entry of kustomization.resources) {
    if (/^[a-z]+:\/\//.test(entry)) throw new Error(`${root}: remote resource ${entry} cannot be rendered offline`);
    const path = resolve(root, entry);
    if ((await stat(path)).isDirectory()) resources.push(...(await renderKustomization(path, new Set([...seen, root]))));
    else resources.push(...(await readYamlDocuments(path)).map((value, index) => parseResource(value, `${path} document ${index + 1}`)));
  }
  for (const patch of kustomization.patches) {
    const file = resolve(root, patch.path);
    const [document, ...rest] = await readYamlDocuments(file);
    if (rest.length > 0) throw new Error(`${file}: one list of operations expected`);
    const operations = jsonPatchSchema.safeParse(document);
    if (!operations.success) throw new Error(`${file}: not a JSON 6902 patch: ${z.prettifyError(operations.error)}`);
    const { target } = patch;
    const matches = (resource: Resource): boolean => {
      const { group, version } = apiGroupAndVersion(resource.apiVersion);
      return (
        resource.kind === target.kind &&
        resource.metadata.name === target.name &&
        (target.group === undefined || target.group === group) &&
        (target.version === undefined || target.version === version)
      );
    };
    // kustomize patches every match; a patch that matches nothing is a mistake worth failing on.
    if (!resources.some(matches)) throw new Error(`${file}: target ${target.kind}/${target.name} matches no resource`);
    resources = resources.map((resource) => (matches(resource) ? parseResource(applyJsonPatch(resource, operations.data), file) : resource));
  }
  resources = resources.map((resource) => retagImages(resource, kustomization.images));
  const namespace = kustomization.namespace;
  if (namespace !== undefined) {
    resources = resources.map((resource) =>
      CLUSTER_SCOPED.has(resource.kind) ? resource : { ...resource, metadata: { ...resource.metadata, namespace } },
    );
  }
  const ids = resources.map((resource) => `${resource.apiVersion}/${resource.kind}/${resource.metadata.namespace ?? ''}/${resource.metadata.name}`);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) throw new Error(`${root}: ${duplicate} is defined twice`);
  return resources;
}
