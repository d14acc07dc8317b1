import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { imageTags, targets } from '../images/build.js';
import { composeConfig, filledEnv } from './compose-config.js';
import { DEPLOY_DIR, PROCESSES, REPO_ROOT } from './deployed-config.js';
import { renderKustomization, type Resource } from './kustomize-build.js';

/*
 * One tag story: the images are released under the services' package.json version. `npm run images`
 * tags them with it (and latest), Compose runs that tag and builds it rather than pull it, the
 * Kubernetes manifests name it, and the README's way to point an overlay at a registry works with
 * the kustomize built into kubectl.
 */

const manifestVersion = z.object({ version: z.string() });
const versions = PROCESSES.map((name) => manifestVersion.parse(JSON.parse(readFileSync(join(REPO_ROOT, 'services', name, 'package.json'), 'utf8'))).version);
const VERSION = versions[0] ?? '';
const K8S = join(DEPLOY_DIR, 'k8s');
const OVERLAYS = ['cloudnative-pg', 'external-postgres'] as const;

const env = await filledEnv();
const everyProfile = await composeConfig(env, ['*']);
const built = ['account', 'catalog', 'order', 'notification', 'gateway', 'seed', 'mail'] as const;

const podSpec = z.looseObject({
  spec: z.looseObject({ template: z.looseObject({ spec: z.looseObject({ containers: z.array(z.looseObject({ name: z.string(), image: z.string() })) }) }) }),
});

/** The image of every Deployment's containers, by Deployment name. */
function deploymentImages(resources: readonly Resource[]): Map<string, string[]> {
  return new Map(
    resources
      .filter((resource) => resource.kind === 'Deployment')
      .map((resource) => [resource.metadata.name, podSpec.parse(resource).spec.template.spec.containers.map((container) => container.image)]),
  );
}

describe('the images, one version', () => {
  it('is the version every service package says', () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(new Set(versions)).toEqual(new Set([VERSION]));
  });

  it('`npm run images` tags each image with it and latest, or with EMPORIUM_TAG alone', () => {
    expect([...targets].sort()).toEqual([...built].sort());
    for (const target of built) {
      expect(imageTags(target, {}), target).toEqual([`emporium/${target}:${VERSION}`, `emporium/${target}:latest`]);
      expect(imageTags(target, { EMPORIUM_IMAGE_PREFIX: 'registry.example.com/shop', EMPORIUM_TAG: 'rc1' }), target).toEqual([`registry.example.com/shop/${target}:rc1`]);
    }
  });

  it('Compose runs that tag and builds it from this checkout, never pulls it', async () => {
    for (const name of built) {
      const service = everyProfile.services[name];
      expect(service?.image, name).toBe(`emporium/${name}:${VERSION}`);
      // Built when missing (or with --build), never looked for in a registry.
      expect(service?.pull_policy, name).toBe('never');
      expect(service?.build?.target, name).toBe(name);
    }
    // Only what Compose builds: PostgreSQL, Redis and NATS are pulled (or the stand-ins found).
    expect(Object.entries(everyProfile.services).filter(([, service]) => service.pull_policy === 'never').map(([name]) => name).sort()).toEqual([...built].sort());
    const tagged = await composeConfig({ ...env, EMPORIUM_IMAGE_PREFIX: 'registry.example.com/shop', EMPORIUM_TAG: '1.2.3' }, ['*']);
    for (const name of built) expect(tagged.services[name]?.image, name).toBe(`registry.example.com/shop/${name}:1.2.3`);
  });

  it.each(['base', ...OVERLAYS.map((overlay) => `overlays/${overlay}`)])('k8s/%s runs each process from its image at that version', async (dir) => {
    const images = deploymentImages(await renderKustomization(join(K8S, dir)));
    for (const name of PROCESSES) expect(images.get(name), name).toEqual([`emporium/${name}:${VERSION}`]);
  });
});

describe("deploy/README.md's registry instructions", () => {
  const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');
  const work: string[] = [];
  afterAll(async () => {
    for (const dir of work) await rm(dir, { recursive: true, force: true });
  });

  /** The README's yaml block that sets an overlay's images. */
  function readmeImages(): unknown {
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    const block = blocks.find((text) => /^images:/m.test(text));
    if (block === undefined) throw new Error('deploy/README.md has no yaml block setting images:');
    return z.object({ images: z.array(z.unknown()) }).parse(parse(block)).images;
  }

  it.each(OVERLAYS)("work with kubectl's kustomize: the %s overlay with the README's images: runs them from the registry", async (overlay) => {
    // A copy of deploy/k8s, edited as the README says.
    const dir = await mkdtemp(join(tmpdir(), 'emporium-k8s-'));
    work.push(dir);
    await cp(K8S, dir, { recursive: true });
    const file = join(dir, 'overlays', overlay, 'kustomization.yaml');
    const kustomization = z.looseObject({ images: z.array(z.unknown()) }).parse(parse(await readFile(file, 'utf8')));
    await writeFile(file, stringify({ ...kustomization, images: readmeImages() }));

    const images = deploymentImages(await renderKustomization(join(dir, 'overlays', overlay)));
    for (const name of PROCESSES) expect(images.get(name), name).toEqual([`registry.example.com/emporium/${name}:${VERSION}`]);
    expect(readme).not.toMatch(/kustomize edit/);
  });
});
