import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';

/*
 * Who may open a connection to whom under a set of NetworkPolicies, following the Kubernetes
 * semantics: a pod selected by no policy of a direction is open in that direction; once selected,
 * only what some rule allows gets through, and a connection needs both the source's egress and
 * the destination's ingress. Ports are TCP/UDP alike. An ipBlock peer is treated as matching
 * every endpoint, pods included (some network plugins apply it to pod addresses too), so the
 * answer errs on the side of "allowed": a test that expects "denied" cannot pass by accident.
 */

export interface Endpoint {
  readonly name: string;
  readonly namespace: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Pod labels; undefined for an address outside the cluster. */
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** Named container ports, for policies that name their ports. */
  readonly namedPorts: Readonly<Record<string, number>>;
}

interface Selector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

export function selects(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const value = labels[key];
    switch (operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabel && byExpression;
}

type Spec = NonNullable<INetworkPolicy['spec']>;
type Peer = NonNullable<NonNullable<Spec['ingress']>[number]['from']>[number];
type PolicyPort = NonNullable<NonNullable<Spec['ingress']>[number]['ports']>[number];

function namespaceOf(policy: INetworkPolicy): string {
  return policy.metadata?.namespace ?? 'default';
}

function types(spec: Spec): string[] {
  // The API's default: Ingress always, Egress when the policy has egress rules.
  return spec.policyTypes ?? ['Ingress', ...(spec.egress === undefined ? [] : ['Egress'])];
}

function peerMatches(peer: Peer, other: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock !== undefined) return true;
  if (other.labels === undefined) return false;
  const namespaceOk = peer.namespaceSelector === undefined ? other.namespace === policyNamespace : selects(peer.namespaceSelector, other.namespaceLabels);
  const podOk = peer.podSelector === undefined || selects(peer.podSelector, other.labels);
  return namespaceOk && podOk;
}

function portMatches(ports: readonly PolicyPort[] | undefined, destination: Endpoint, port: number): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((rule) => {
    if (rule.port === undefined) return true;
    const first = typeof rule.port === 'number' ? rule.port : destination.namedPorts[rule.port];
    if (first === undefined) return false;
    return rule.endPort === undefined ? port === first : port >= first && port <= rule.endPort;
  });
}

function selecting(policies: readonly INetworkPolicy[], endpoint: Endpoint, direction: 'Ingress' | 'Egress'): Array<{ spec: Spec; namespace: string }> {
  if (endpoint.labels === undefined) return [];
  const labels = endpoint.labels;
  return policies.flatMap((policy) => {
    const spec = policy.spec;
    if (spec === undefined || namespaceOf(policy) !== endpoint.namespace || !types(spec).includes(direction)) return [];
    return selects(spec.podSelector, labels) ? [{ spec, namespace: namespaceOf(policy) }] : [];
  });
}

export function allowed(policies: readonly INetworkPolicy[], source: Endpoint, destination: Endpoint, port: number): boolean {
  const ingress = selecting(policies, destination, 'Ingress');
  const ingressOk =
    ingress.length === 0 ||
    ingress.some(({ spec, namespace }) =>
      (spec.ingress ?? []).some((rule) => (rule.from === undefined || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, source, namespace))) && portMatches(rule.ports, destination, port)),
    );
  const egress = selecting(policies, source, 'Egress');
  const egressOk =
    egress.length === 0 ||
    egress.some(({ spec, namespace }) =>
      (spec.egress ?? []).some((rule) => (rule.to === undefined || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, destination, namespace))) && portMatches(rule.ports, destination, port)),
    );
  return ingressOk && egressOk;
}
