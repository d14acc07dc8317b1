import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { describe, expect, it } from 'vitest';
import { allowed, type Endpoint } from './network-policy.js';

/* Our own NetworkPolicy evaluation (network-policy.ts), which k8s.test.ts uses on the rendered policies. */

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
