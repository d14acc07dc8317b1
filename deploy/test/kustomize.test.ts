import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonPatchError, applyJsonPatch } from './json-patch.js';
import { renderKustomization } from './kustomize.js';
import { allowed, type Endpoint } from './network-policy.js';

describe('JSON 6902 patch', () => {
  const document = { spec: { list: [{ name: 'a' }, { name: 'b' }], 'a/b': { '~x': 1 } } };

  it('adds, replaces, removes and tests, leaving the input untouched', () => {
    const patched = applyJsonPatch(document, [
      { op: 'test', path: '/spec/list/0/name', value: 'a' },
      { op: 'replace', path: '/spec/list/0/name', value: 'A' },
      { op: 'add', path: '/spec/list/-', value: { name: 'c' } },
      { op: 'add', path: '/spec/list/1', value: { name: 'between' } },
      { op: 'remove', path: '/spec/list/2' },
      { op: 'add', path: '/spec/new', value: true },
      { op: 'replace', path: '/spec/a~1b/~0x', value: 2 },
    ]);
    expect(patched).toEqual({ spec: { list: [{ name: 'A' }, { name: 'between' }, { name: 'c' }], 'a/b': { '~x': 2 }, new: true } });
    expect(document.spec.list[0]?.name).toBe('a');
  });

  it('fails loudly: a failed test, a missing member, an index out of bounds', () => {
    expect(() => applyJsonPatch(document, [{ op: 'test', path: '/spec/list/0/name', value: 'z' }])).toThrow(JsonPatchError);
    expect(() => applyJsonPatch(document, [{ op: 'replace', path: '/spec/missing', value: 1 }])).toThrow('no such member');
    expect(() => applyJsonPatch(document, [{ op: 'remove', path: '/spec/list/2' }])).toThrow('out of bounds');
    expect(() => applyJsonPatch(document, [{ op: 'add', path: '/spec/nothing/here', value: 1 }])).toThrow('no such location');
  });
});

describe('offline kustomize', () => {
  let root = '';
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kustomize-'));
    await write('base/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - app.yaml\n');
    await write(
      'base/app.yaml',
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  A: "1"',
        '---',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: example/app:1.0',
      ].join('\n'),
    );
    await write(
      'overlay/kustomization.yaml',
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'namespace: shop',
        'resources:\n  - ns.yaml\n  - ../base',
        'patches:\n  - path: patch.yaml\n    target:\n      kind: ConfigMap\n      name: app',
        'images:\n  - name: example/app\n    newName: registry.example.com/app\n    newTag: "2.0"',
      ].join('\n'),
    );
    await write('overlay/ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
    await write('overlay/patch.yaml', '- op: add\n  path: /data/B\n  value: "2"\n');
    await write('bad/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncommonLabels:\n  a: b\n');
    await write('miss/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\npatches:\n  - path: ../overlay/patch.yaml\n    target:\n      kind: ConfigMap\n      name: nope\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('renders directories, patches, images and the namespace (not on cluster-scoped kinds)', async () => {
    const resources = await renderKustomization(join(root, 'overlay'));
    expect(resources.map((r) => [r.kind, r.metadata.name, r.metadata.namespace])).toEqual([
      ['Namespace', 'shop', undefined],
      ['ConfigMap', 'app', 'shop'],
      ['Deployment', 'app', 'shop'],
    ]);
    expect(resources[1]).toMatchObject({ data: { A: '1', B: '2' } });
    expect(JSON.stringify(resources[2])).toContain('"image":"registry.example.com/app:2.0"');
  });

  it('refuses kustomize features it does not implement, and patches that match nothing', async () => {
    await expect(renderKustomization(join(root, 'bad'))).rejects.toThrow('commonLabels');
    await expect(renderKustomization(join(root, 'miss'))).rejects.toThrow('matches no resource');
  });
});

describe('NetworkPolicy evaluation', () => {
  const pod = (name: string): Endpoint => ({ name, namespace: 'ns', namespaceLabels: { 'kubernetes.io/metadata.name': 'ns' }, labels: { app: name }, namedPorts: { web: 80 } });
  const [a, b, c] = [pod('a'), pod('b'), pod('c')];

  it('is open without policies, and closed to all but the allowed peer once a policy selects the pod', () => {
    expect(allowed([], a, b, 80)).toBe(true);
    const onlyA: INetworkPolicy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'b', namespace: 'ns' },
      spec: { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 'web' }] }] },
    };
    expect(allowed([onlyA], a, b, 80)).toBe(true);
    expect(allowed([onlyA], a, b, 81)).toBe(false);
    expect(allowed([onlyA], c, b, 80)).toBe(false);
    // Egress needs its own permission once a policy of that type selects the source.
    const aNoEgress: INetworkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'ns' }, spec: { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'] } };
    expect(allowed([onlyA, aNoEgress], a, b, 80)).toBe(false);
  });
});
