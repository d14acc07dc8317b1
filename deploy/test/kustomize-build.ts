import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { run } from './tools.js';

/** What every Kubernetes object has; the rest is validated per kind by the tests. */
const resourceSchema = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
  })
  .loose();

export type Resource = z.infer<typeof resourceSchema>;

/** The objects `kubectl kustomize <dir>` (kustomize v5, built into kubectl) renders, in its order. */
export async function renderKustomization(dir: string): Promise<Resource[]> {
  const text = await run('kubectl', ['kustomize', dir]);
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${dir}: document ${index}: ${document.errors.map((error) => error.message).join('; ')}`);
    return resourceSchema.parse(document.toJS());
  });
}
