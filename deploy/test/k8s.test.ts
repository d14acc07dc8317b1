import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet, type IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace, type INamespace } from 'kubernetes-models/v1/Namespace';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderKustomization, type Resource } from './kustomize-build.js';
import { allowed, selects, type Endpoint } from './network-policy.js';
import { DEPLOY_DIR, GRPC_SERVICES, PROCESSES, isProcessName, parseProcessEnv, splitAddress, type DeployedConfig, type ProcessName } from './deployed-config.js';

/*
 * deploy/k8s rendered by the real kustomize (`kubectl kustomize`, deploy/test/kustomize-build.ts), every
 * object validated with kubernetes-models (the Kubernetes OpenAPI schemas) or, for CloudNativePG's
 * Cluster, a strict schema of the fields used; then the wiring a cluster would only reveal at run
 * time: selectors, ports, probes, the environment each process parses with its own zod schema,
 * the secrets it needs, and who may talk to whom under the NetworkPolicies.
 */

const K8S = join(DEPLOY_DIR, 'k8s');
const OVERLAYS = ['cloudnative-pg', 'external-postgres'] as const;
type Overlay = (typeof OVERLAYS)[number];

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/);
const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/).max(63);

/** The part of CloudNativePG's Cluster these manifests use, strictly: a misspelt field fails. */
const clusterSchema = z
  .object({
    apiVersion: z.literal('postgresql.cnpg.io/v1'),
    kind: z.literal('Cluster'),
    metadata: z.object({ name: dnsLabel, namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }).strict(),
    spec: z
      .object({
        instances: z.number().int().min(1),
        imageName: z.string().regex(/^[\w./-]+:[\w.-]+$/),
        primaryUpdateStrategy: z.enum(['unsupervised', 'supervised']),
        bootstrap: z.object({ initdb: z.object({ database: z.string().min(1), owner: z.string().min(1) }).strict() }).strict(),
        postgresql: z
          .object({
            synchronous: z.object({ method: z.enum(['any', 'first']), number: z.number().int().min(1), dataDurability: z.enum(['required', 'preferred']) }).strict(),
          })
          .strict(),
        storage: z.object({ size: quantity, storageClass: z.string().optional() }).strict(),
        resources: z.object({ requests: z.partialRecord(z.enum(['cpu', 'memory']), quantity), limits: z.partialRecord(z.enum(['cpu', 'memory']), quantity) }).strict(),
        affinity: z.object({ enablePodAntiAffinity: z.boolean(), topologyKey: z.string(), podAntiAffinityType: z.enum(['preferred', 'required']).optional() }).strict(),
      })
      .strict(),
  })
  .strict();
type Cluster = z.infer<typeof clusterSchema>;

interface Rendered {
  readonly deployments: IDeployment[];
  readonly statefulSets: IStatefulSet[];
  readonly services: IService[];
  readonly configMaps: IConfigMap[];
  readonly secrets: ISecret[];
  readonly hpas: IHorizontalPodAutoscaler[];
  readonly pdbs: IPodDisruptionBudget[];
  readonly policies: INetworkPolicy[];
  readonly ingresses: IIngress[];
  readonly namespaces: INamespace[];
  readonly clusters: Cluster[];
}

/** Sorts objects by kind, each validated against its schema (validate() throws naming the field). */
function classify(resources: readonly Resource[]): Rendered {
  const out: Rendered = { deployments: [], statefulSets: [], services: [], configMaps: [], secrets: [], hpas: [], pdbs: [], policies: [], ingresses: [], namespaces: [], clusters: [] };
  for (const resource of resources) {
    const where = `${resource.kind}/${resource.metadata.name}`;
    try {
      if (Deployment.is(resource)) out.deployments.push(validated(new Deployment(resource), resource));
      else if (StatefulSet.is(resource)) out.statefulSets.push(validated(new StatefulSet(resource), resource));
      else if (Service.is(resource)) out.services.push(validated(new Service(resource), resource));
      else if (ConfigMap.is(resource)) out.configMaps.push(validated(new ConfigMap(resource), resource));
      else if (Secret.is(resource)) out.secrets.push(validated(new Secret(resource), resource));
      else if (HorizontalPodAutoscaler.is(resource)) out.hpas.push(validated(new HorizontalPodAutoscaler(resource), resource));
      else if (PodDisruptionBudget.is(resource)) out.pdbs.push(validated(new PodDisruptionBudget(resource), resource));
      else if (NetworkPolicy.is(resource)) out.policies.push(validated(new NetworkPolicy(resource), resource));
      else if (Ingress.is(resource)) out.ingresses.push(validated(new Ingress(resource), resource));
      else if (Namespace.is(resource)) out.namespaces.push(validated(new Namespace(resource), resource));
      else if (resource.apiVersion === 'postgresql.cnpg.io/v1' && resource.kind === 'Cluster') out.clusters.push(clusterSchema.parse(resource));
      else throw new Error(`${resource.apiVersion} ${resource.kind} is not a kind these tests know how to validate`);
    } catch (error) {
      throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return out;
}

function validated<T>(model: { validate(): void }, value: T): T {
  model.validate();
  return value;
}

const base = classify(await renderKustomization(join(K8S, 'base')));
const overlays = new Map<Overlay, Rendered>();
for (const overlay of OVERLAYS) overlays.set(overlay, classify(await renderKustomization(join(K8S, 'overlays', overlay))));
const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');

function rendered(overlay: Overlay): Rendered {
  const found = overlays.get(overlay);
  if (found === undefined) throw new Error(`${overlay} was not rendered`);
  return found;
}

function named<T extends { metadata?: { name?: string } }>(items: readonly T[], name: string, kind: string): T {
  const found = items.find((item) => item.metadata?.name === name);
  if (found === undefined) throw new Error(`no ${kind} named ${name}`);
  return found;
}

/** A Deployment or a StatefulSet: what runs pods. */
type Workload = IDeployment | IStatefulSet;

function podSpec(deployment: Workload) {
  const spec = deployment.spec?.template.spec;
  if (spec === undefined) throw new Error(`${deployment.metadata?.name ?? '?'} has no pod spec`);
  return spec;
}

function container(deployment: Workload) {
  const [only, ...more] = podSpec(deployment).containers;
  if (only === undefined || more.length > 0) throw new Error(`${deployment.metadata?.name ?? '?'} should run exactly one container`);
  return only;
}

function podLabels(deployment: Workload): Record<string, string> {
  return deployment.spec?.template.metadata?.labels ?? {};
}

/** The port a process listens on, by the container port's name. */
function containerPort(deployment: Workload, name: string): number {
  const port = container(deployment).ports?.find((candidate) => candidate.name === name)?.containerPort;
  if (port === undefined) throw new Error(`${deployment.metadata?.name ?? '?'} has no container port named ${name}`);
  return port;
}

const PORT_NAME: Record<ProcessName, string> = { account: 'grpc', catalog: 'grpc', order: 'grpc', notification: 'grpc', gateway: 'http' };

/**
 * Secrets the operator creates by hand, with the keys and a value of the documented shape each
 * key must have (the tests cannot know real values; they check the shape is what the process
 * accepts). CloudNativePG's generated <cluster>-app secrets are derived from the Cluster instead.
 */
/** The mail server's settings, as the README's command creates them. */
const SMTP_SECRETS = { url: 'smtp://smtp.example.com:587', user: 'shop@example.com', password: 'placeholder' };
const GATEWAY_SECRETS = {
  // What the README's `openssl rand` commands make: the gateway refuses weak or example values.
  'jwt-secret': randomBytes(32).toString('base64'),
  'admin-email': 'admin@example.com',
  'admin-password': randomBytes(18).toString('base64'),
};
const OPERATOR_SECRETS: Record<Overlay, Record<string, Record<string, string>>> = {
  'cloudnative-pg': {
    'gateway-secrets': GATEWAY_SECRETS,
    'notification-smtp': SMTP_SECRETS,
  },
  'external-postgres': {
    'gateway-secrets': GATEWAY_SECRETS,
    'notification-smtp': SMTP_SECRETS,
    ...Object.fromEntries(GRPC_SERVICES.map((service) => [`${service}-database`, { uri: `postgres://${service}:placeholder@db.example.com:5432/${service}` }])),
  },
};

/** The keys CloudNativePG writes into a cluster's application-user secret. */
function cnpgAppSecret(cluster: Cluster, namespace: string): Record<string, string> {
  const { database, owner } = cluster.spec.bootstrap.initdb;
  const host = `${cluster.metadata.name}-rw.${namespace}`;
  return { username: owner, password: 'placeholder', host, port: '5432', dbname: database, uri: `postgresql://${owner}:placeholder@${host}:5432/${database}` };
}

function secretValue(view: Rendered, overlay: Overlay, namespace: string, name: string, key: string): string {
  const inline = view.secrets.find((secret) => secret.metadata?.name === name);
  if (inline !== undefined) {
    const value = inline.stringData?.[key];
    if (value === undefined) throw new Error(`Secret ${name} has no key ${key}`);
    return value;
  }
  const cluster = view.clusters.find((candidate) => `${candidate.metadata.name}-app` === name);
  const provided = cluster === undefined ? OPERATOR_SECRETS[overlay][name] : cnpgAppSecret(cluster, namespace);
  if (provided === undefined) throw new Error(`Secret ${name} is neither rendered, generated by a Cluster, nor documented as the operator's to create`);
  const value = provided[key];
  if (value === undefined) throw new Error(`Secret ${name} has no key ${key}`);
  return value;
}

/** The environment Kubernetes would give the container: envFrom first, env over it. */
function containerEnv(view: Rendered, overlay: Overlay, deployment: Workload): Record<string, string> {
  const namespace = deployment.metadata?.namespace ?? 'default';
  const spec = container(deployment);
  const env: Record<string, string> = {};
  const configMap = (name: string) => named(view.configMaps, name, 'ConfigMap').data ?? {};
  for (const source of spec.envFrom ?? []) {
    if (source.configMapRef === undefined || source.secretRef !== undefined || source.prefix !== undefined) throw new Error('only envFrom.configMapRef is modelled');
    if (source.configMapRef.optional === true) throw new Error('optional config is not allowed: a missing ConfigMap must stop the pod');
    Object.assign(env, configMap(source.configMapRef.name ?? ''));
  }
  for (const variable of spec.env ?? []) {
    const from = variable.valueFrom;
    if (from === undefined) env[variable.name] = variable.value ?? '';
    else if (from.configMapKeyRef !== undefined) {
      const value = configMap(from.configMapKeyRef.name ?? '')[from.configMapKeyRef.key];
      if (value === undefined) throw new Error(`ConfigMap ${from.configMapKeyRef.name} has no key ${from.configMapKeyRef.key}`);
      env[variable.name] = value;
    } else if (from.secretKeyRef !== undefined) {
      if (from.secretKeyRef.optional === true) throw new Error(`${variable.name}: optional secrets are not allowed`);
      env[variable.name] = secretValue(view, overlay, namespace, from.secretKeyRef.name ?? "", from.secretKeyRef.key);
    } else throw new Error(`${variable.name}: only configMapKeyRef and secretKeyRef are modelled`);
  }
  return env;
}

function workloadsOf(view: Rendered): Workload[] {
  return [...view.deployments, ...view.statefulSets];
}

/** The workload a Service is for: the one of its name, or the StatefulSet it governs (its pods' names). */
function workloadNameOf(view: Rendered, service: IService): string {
  const name = service.metadata?.name ?? '';
  return view.statefulSets.find((set) => set.spec?.serviceName === name)?.metadata?.name ?? name;
}

function deploymentOf(view: Rendered, name: ProcessName): IDeployment {
  return named(view.deployments, name, 'Deployment');
}

function configOf(view: Rendered, overlay: Overlay, name: ProcessName): DeployedConfig {
  return parseProcessEnv(name, containerEnv(view, overlay, deploymentOf(view, name)));
}

describe('deploy/k8s/base', () => {
  it('renders, and every object passes kubernetes-models validation', () => {
    expect(base.deployments.map((d) => d.metadata?.name).sort()).toEqual([...PROCESSES, 'redis'].sort());
    expect(base.statefulSets.map((set) => set.metadata?.name)).toEqual(['nats']);
    expect(base.clusters).toEqual([]);
  });

  it('leaves the namespace and the databases to the overlays', () => {
    for (const list of [base.deployments, base.statefulSets, base.services, base.configMaps, base.policies]) {
      for (const item of list) expect(item.metadata?.namespace, item.metadata?.name).toBeUndefined();
    }
  });
});

describe.each(OVERLAYS)('deploy/k8s/overlays/%s', (overlay) => {
  const view = rendered(overlay);

  it('renders into the emporium namespace, every object valid', () => {
    expect(view.namespaces.map((n) => n.metadata?.name)).toEqual(['emporium']);
    const namespaced = [...view.deployments, ...view.statefulSets, ...view.services, ...view.configMaps, ...view.hpas, ...view.pdbs, ...view.policies, ...view.ingresses];
    for (const item of namespaced) expect(item.metadata?.namespace, `${item.kind}/${item.metadata?.name ?? ''}`).toBe('emporium');
    for (const cluster of view.clusters) expect(cluster.metadata.namespace).toBe('emporium');
  });

  it('runs each process from its own image', () => {
    for (const name of PROCESSES) expect(container(deploymentOf(view, name)).image, name).toMatch(new RegExp(`^emporium/${name}:[\\w.-]+$`));
  });

  it("selects each Deployment's own pods, and every Service, PDB and policy selects pods that exist", () => {
    const workloads = workloadsOf(view);
    const endpoints = [...workloads.map(podLabels), ...view.clusters.map((cluster) => ({ 'cnpg.io/cluster': cluster.metadata.name }))];
    for (const deployment of workloads) {
      const selector = deployment.spec?.selector ?? {};
      expect(selects(selector, podLabels(deployment)), deployment.metadata?.name).toBe(true);
      // ...and no other workload's pods, or their controllers would fight over them.
      const others = workloads.filter((other) => other !== deployment && selects(selector, podLabels(other)));
      expect(others, deployment.metadata?.name).toEqual([]);
    }
    for (const service of view.services) {
      const selected = workloads.filter((deployment) => selects({ matchLabels: service.spec?.selector ?? {} }, podLabels(deployment)));
      expect(selected.map((d) => d.metadata?.name), `Service ${service.metadata?.name ?? ''}`).toEqual([workloadNameOf(view, service)]);
    }
    for (const pdb of view.pdbs) {
      const selected = workloads.filter((deployment) => selects(pdb.spec?.selector ?? {}, podLabels(deployment)));
      expect(selected.map((d) => d.metadata?.name), `PDB ${pdb.metadata?.name ?? ''}`).toEqual([pdb.metadata?.name]);
    }
    for (const policy of view.policies) {
      expect(endpoints.some((labels) => selects(policy.spec?.podSelector ?? {}, labels)), `NetworkPolicy ${policy.metadata?.name ?? ''}`).toBe(true);
    }
  });

  it('points every Service port and the Ingress at a port a container listens on', () => {
    for (const service of view.services) {
      const deployment = named(workloadsOf(view), workloadNameOf(view, service), 'workload');
      for (const port of service.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        const ports = container(deployment).ports ?? [];
        const match = typeof target === 'number' ? ports.find((p) => p.containerPort === target) : ports.find((p) => p.name === target);
        expect(match, `Service ${service.metadata?.name ?? ''} port ${port.name ?? port.port}`).toBeDefined();
      }
    }
    const [ingress, ...more] = view.ingresses;
    expect(more).toEqual([]);
    for (const rule of ingress?.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend.service;
        const service = named(view.services, backend?.name ?? '', 'Service');
        expect(service.spec?.ports?.some((p) => p.name === backend?.port?.name || p.port === backend?.port?.number)).toBe(true);
        expect(backend?.name).toBe('gateway');
      }
    }
  });

  it("gives every process an environment its own config schema accepts, with what a deployment needs", () => {
    for (const name of PROCESSES) {
      const config = configOf(view, overlay, name);
      expect(config.HOST, name).toBe('0.0.0.0');
      expect(config.PORT, `${name} listens on its container port`).toBe(containerPort(deploymentOf(view, name), PORT_NAME[name]));
      const values = Object.values(containerEnv(view, overlay, deploymentOf(view, name)));
      expect(values.filter((value) => value.includes('$(')), `${name}: no $(VAR) expansion relied on`).toEqual([]);
    }
    // PostgreSQL, never the embedded database (which would need a writable volume per pod).
    for (const name of GRPC_SERVICES) expect(configOf(view, overlay, name).DATABASE_URL, name).toMatch(/^postgres(ql)?:\/\//);
    // Several gateway replicas must sign with one shared key.
    expect(configOf(view, overlay, 'gateway').JWT_SECRET).toBeDefined();
    expect(configOf(view, overlay, 'gateway').STORE_CURRENCY).toBe(configOf(view, overlay, 'catalog').STORE_CURRENCY);
    expect(containerEnv(view, overlay, deploymentOf(view, 'order')).NODE_ENV).toBe('production');
  });

  it('points every service address at the headless Service in front of that process, resolved to every pod', () => {
    for (const name of PROCESSES) {
      for (const [upstream, address] of Object.entries(configOf(view, overlay, name).upstreams)) {
        if (!isProcessName(upstream)) throw new Error(`${upstream} is not an Emporium process`);
        const { host, port, dns } = splitAddress(address);
        expect(host, `${name} -> ${upstream}`).toBe(upstream);
        // A ClusterIP would pin each client's connection to one pod (deploy/README.md, scaling model).
        expect(dns, `${name} -> ${address}`).toBe(true);
        expect(named(view.services, host, 'Service').spec?.clusterIP, `Service ${host}`).toBe('None');
        const servicePort = named(view.services, host, 'Service').spec?.ports?.find((p) => p.port === port);
        expect(servicePort, `${name} -> ${address}`).toBeDefined();
        expect(servicePort?.targetPort, `${name} -> ${address}`).toBe(PORT_NAME[upstream]);
      }
    }
  });

  it("gives the gateway replicas one Redis, behind its Service, and trusts X-Forwarded-For only from the cluster's private addresses", () => {
    const gateway = configOf(view, overlay, 'gateway');
    const url = new URL(gateway.REDIS_URL ?? 'missing:');
    expect(url.protocol).toBe('redis:');
    const servicePort = named(view.services, url.hostname, 'Service').spec?.ports?.find((p) => p.port === Number(url.port));
    expect(servicePort?.targetPort).toBe('redis');
    const redis = named(view.deployments, 'redis', 'Deployment');
    expect(containerPort(redis, 'redis')).toBe(6379);
    // One instance (two would be two budgets), replaced rather than rolled.
    expect(redis.spec?.replicas).toBe(1);
    expect(redis.spec?.strategy?.type).toBe('Recreate');
    expect(view.hpas.map((hpa) => hpa.metadata?.name)).not.toContain('redis');
    // Unprivileged on a read-only root filesystem, writing only its data volume.
    const pod = podSpec(redis);
    const spec = container(redis);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(spec.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(spec.securityContext?.capabilities?.drop).toEqual(['ALL']);
    expect(spec.volumeMounts?.map((mount) => mount.mountPath)).toEqual(['/data']);
    expect(spec.readinessProbe?.exec?.command?.join(' ')).toContain('redis-cli ping');
    expect(spec.resources?.limits?.memory).toBeDefined();
    const env = containerEnv(view, overlay, deploymentOf(view, 'gateway'));
    expect(env.TRUSTED_PROXIES).toBe('uniquelocal');
  });

  it('probes the services with native gRPC health checks and the gateway over HTTP /readyz', () => {
    for (const name of GRPC_SERVICES) {
      const spec = container(deploymentOf(view, name));
      const port = containerPort(deploymentOf(view, name), 'grpc');
      for (const probe of [spec.startupProbe, spec.readinessProbe, spec.livenessProbe]) {
        expect(probe?.grpc?.port, name).toBe(port);
        expect(probe?.grpc?.service ?? '', `${name}: the whole server's status`).toBe('');
      }
    }
    const gateway = container(deploymentOf(view, 'gateway'));
    expect(gateway.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(gateway.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(gateway.startupProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
  });

  it('runs non-root on a read-only root filesystem, with only /tmp writable', () => {
    for (const name of PROCESSES) {
      const deployment = deploymentOf(view, name);
      const pod = podSpec(deployment);
      const spec = container(deployment);
      expect(pod.securityContext?.runAsNonRoot, name).toBe(true);
      expect(pod.securityContext?.runAsUser, name).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type, name).toBe('RuntimeDefault');
      expect(pod.automountServiceAccountToken, name).toBe(false);
      expect(spec.securityContext?.readOnlyRootFilesystem, name).toBe(true);
      expect(spec.securityContext?.allowPrivilegeEscalation, name).toBe(false);
      expect(spec.securityContext?.capabilities?.drop, name).toEqual(['ALL']);
      expect(spec.volumeMounts?.map((mount) => mount.mountPath), name).toEqual(['/tmp']);
      const tmp = pod.volumes?.find((volume) => volume.name === spec.volumeMounts?.[0]?.name);
      expect(tmp?.emptyDir, name).toBeDefined();
    }
  });

  it('gives a stopping pod longer than its preStop pause plus its drain before the SIGKILL', () => {
    for (const name of PROCESSES) {
      const deployment = deploymentOf(view, name);
      const pause = container(deployment).lifecycle?.preStop?.sleep?.seconds ?? 0;
      const drainMs = configOf(view, overlay, name).SHUTDOWN_TIMEOUT_MS;
      const grace = podSpec(deployment).terminationGracePeriodSeconds ?? 30;
      expect(pause, name).toBeGreaterThan(0);
      expect(grace * 1000, name).toBeGreaterThan(pause * 1000 + drainMs);
    }
  });

  it('requests CPU and memory, limits memory, and scales each process between two and a bounded maximum', () => {
    for (const name of PROCESSES) {
      const deployment = deploymentOf(view, name);
      const resources = container(deployment).resources;
      expect(resources?.requests?.cpu, name).toBeDefined();
      expect(resources?.requests?.memory, name).toBeDefined();
      expect(resources?.limits?.memory, name).toBeDefined();
      // The autoscaler owns the replica count; a fixed one would reset it on every apply.
      expect(deployment.spec?.replicas, name).toBeUndefined();
      const hpa = named(view.hpas, name, 'HorizontalPodAutoscaler');
      expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(hpa.spec?.minReplicas, name).toBeGreaterThanOrEqual(2);
      expect(hpa.spec?.maxReplicas, name).toBeGreaterThan(hpa.spec?.minReplicas ?? 0);
      expect(hpa.spec?.metrics?.[0]?.resource?.name, name).toBe('cpu');
      // The budget leaves at least one pod of the autoscaler's minimum running during a drain.
      expect(named(view.pdbs, name, 'PodDisruptionBudget').spec?.maxUnavailable, name).toBe(1);
    }
  });

  it('documents every secret the operator must create', () => {
    for (const [secret, keys] of Object.entries(OPERATOR_SECRETS[overlay])) {
      expect(readme, secret).toContain(secret);
      for (const key of Object.keys(keys)) expect(readme, `${secret} ${key}`).toContain(key);
    }
  });

  it('lets only the gateway (and the order service) reach the services, and each service only its own database', () => {
    const namespace = 'emporium';
    const inNamespace = { 'kubernetes.io/metadata.name': namespace };
    const processes: Endpoint[] = workloadsOf(view).map((deployment) => ({
      name: deployment.metadata?.name ?? '',
      namespace,
      namespaceLabels: inNamespace,
      labels: podLabels(deployment),
      namedPorts: Object.fromEntries((container(deployment).ports ?? []).map((port) => [port.name ?? '', port.containerPort])),
    }));
    const databases: Endpoint[] = view.clusters.map((cluster) => ({
      name: cluster.metadata.name,
      namespace,
      namespaceLabels: inNamespace,
      labels: { 'cnpg.io/cluster': cluster.metadata.name, 'cnpg.io/podRole': 'instance' },
      namedPorts: {},
    }));
    const outsider = (name: string, ns: string, labels: Record<string, string> | undefined): Endpoint => ({
      name,
      namespace: ns,
      namespaceLabels: { 'kubernetes.io/metadata.name': ns },
      labels,
      namedPorts: {},
    });
    const dns = outsider('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns' });
    const operator = outsider('cnpg-operator', 'cnpg-system', { 'app.kubernetes.io/name': 'cloudnative-pg' });
    const world = outsider('ingress-controller', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' });
    const externalDatabase = outsider('managed-postgres', 'outside', undefined);
    const byName = (name: string) => {
      const found = [...processes, ...databases].find((endpoint) => endpoint.name === name);
      if (found === undefined) throw new Error(`no endpoint ${name}`);
      return found;
    };
    const servicePort = (name: ProcessName) => containerPort(deploymentOf(view, name), PORT_NAME[name]);
    const can = (from: Endpoint, to: Endpoint, port: number) => allowed(view.policies, from, to, port);

    // Among the four processes, on the ports they serve: exactly these calls.
    const calls = processes.flatMap((from) =>
      PROCESSES.filter((to) => to !== from.name && can(from, byName(to), servicePort(to))).map((to) => `${from.name}->${to}`),
    );
    expect(calls.sort()).toEqual(['gateway->account', 'gateway->catalog', 'gateway->order', 'notification->account', 'order->account', 'order->catalog']);
    // NATS: the four services on the client port, the servers among themselves on the route port.
    const nats = byName('nats');
    const natsPort = containerPort(named(view.statefulSets, 'nats', 'StatefulSet'), 'client');
    expect(processes.filter((from) => can(from, nats, natsPort)).map((from) => from.name).sort()).toEqual([...GRPC_SERVICES].sort());
    expect(can(world, nats, natsPort), 'outside -> nats').toBe(false);
    expect(can(nats, nats, containerPort(named(view.statefulSets, 'nats', 'StatefulSet'), 'cluster')), 'nats routes').toBe(true);
    // The mail server outside the cluster: the notification service only.
    expect(processes.filter((from) => can(from, externalDatabase, 587)).map((from) => from.name)).toEqual(['notification']);
    // Redis: the gateway only.
    const redis = byName('redis');
    const redisPort = containerPort(named(view.deployments, 'redis', 'Deployment'), 'redis');
    expect(processes.filter((from) => can(from, redis, redisPort)).map((from) => from.name)).toEqual(['gateway']);
    expect(can(world, redis, redisPort), 'outside -> redis').toBe(false);
    // The gateway is public; the services are not.
    expect(can(world, byName('gateway'), servicePort('gateway'))).toBe(true);
    for (const name of GRPC_SERVICES) expect(can(world, byName(name), servicePort(name)), `outside -> ${name}`).toBe(false);
    // Every process resolves names.
    for (const from of processes) expect(can(from, dns, 53), `${from.name} -> DNS`).toBe(true);

    const databaseClients = (to: Endpoint) => processes.filter((from) => can(from, to, 5432)).map((from) => from.name);
    if (overlay === 'cloudnative-pg') {
      expect(databases.map((d) => d.name).sort()).toEqual(GRPC_SERVICES.map((s) => `${s}-db`).sort());
      for (const service of GRPC_SERVICES) {
        const database = byName(`${service}-db`);
        expect(databaseClients(database), `${service}-db`).toEqual([service]);
        // The operator manages the instances, which replicate among themselves; nobody else gets in.
        expect(can(operator, database, 8000) && can(operator, database, 5432), `operator -> ${service}-db`).toBe(true);
        expect(can(database, database, 5432), `${service}-db replication`).toBe(true);
        expect(can(world, database, 5432), `outside -> ${service}-db`).toBe(false);
      }
      expect(databaseClients(externalDatabase)).toEqual([]);
    } else {
      expect(databases).toEqual([]);
      expect(databaseClients(externalDatabase).sort()).toEqual([...GRPC_SERVICES].sort());
    }
  });

  if (overlay === 'cloudnative-pg') {
    it('runs one three-instance CloudNativePG cluster per service, wired into its DATABASE_URL', () => {
      for (const service of GRPC_SERVICES) {
        const cluster = view.clusters.find((candidate) => candidate.metadata.name === `${service}-db`);
        expect(cluster, service).toBeDefined();
        expect(cluster?.spec.instances).toBe(3);
        expect(cluster?.spec.bootstrap.initdb).toEqual({ database: service, owner: service });
        expect(cluster?.spec.postgresql.synchronous.number).toBeLessThan(cluster?.spec.instances ?? 0);
        const ref = container(deploymentOf(view, service)).env?.find((variable) => variable.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef;
        expect(ref).toEqual({ name: `${service}-db-app`, key: 'uri' });
        const url = new URL(configOf(view, overlay, service).DATABASE_URL ?? '');
        expect(url.hostname, service).toBe(`${service}-db-rw.emporium`);
        expect(url.pathname, service).toBe(`/${service}`);
      }
    });
  } else {
    it("reads each service's DATABASE_URL from the Secret the operator provides", () => {
      for (const service of GRPC_SERVICES) {
        const ref = container(deploymentOf(view, service)).env?.find((variable) => variable.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef;
        expect(ref).toEqual({ name: `${service}-database`, key: 'uri' });
      }
    });
  }
});

describe('NATS (JetStream) for the events', () => {
  it('runs one server in the base, with its store on a volume claim, and streams with one replica', () => {
    const nats = named(base.statefulSets, 'nats', 'StatefulSet');
    expect(nats.spec?.replicas).toBe(1);
    expect(nats.spec?.volumeClaimTemplates?.map((claim) => claim.metadata?.name)).toEqual(['data']);
    expect(container(nats).volumeMounts?.find((mount) => mount.name === 'data')?.mountPath).toBe('/data');
    const conf = named(base.configMaps, 'nats-config', 'ConfigMap').data?.['nats.conf'] ?? '';
    expect(conf).toMatch(/jetstream \{\s*store_dir: \/data/);
    expect(conf).not.toContain('cluster {');
    expect(named(base.configMaps, 'emporium-events', 'ConfigMap').data?.EVENTS_STREAM_REPLICAS).toBe('1');
  });

  it.each(OVERLAYS)('%s: three servers in one named JetStream cluster, routed to each other, and every stream with three replicas', (overlay) => {
    const view = rendered(overlay);
    const nats = named(view.statefulSets, 'nats', 'StatefulSet');
    expect(nats.spec?.replicas).toBe(3);
    const conf = named(view.configMaps, 'nats-config', 'ConfigMap').data?.['nats.conf'] ?? '';
    expect(conf).toMatch(/cluster \{\s*name: emporium/);
    expect(conf).toContain('server_name: $POD_NAME');
    const routes = [...conf.matchAll(/nats:\/\/([\w.-]+):(\d+)/g)].map((match) => `${match[1] ?? ''}:${match[2] ?? ''}`);
    const governing = nats.spec?.serviceName ?? '';
    expect(routes).toEqual([0, 1, 2].map((ordinal) => `nats-${ordinal}.${governing}:${containerPort(nats, 'cluster')}`));
    expect(named(view.services, governing, 'Service').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(container(nats).env?.find((variable) => variable.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    // Each service: the stream settings and the NATS Service's client port.
    for (const name of GRPC_SERVICES) {
      const env = containerEnv(view, overlay, deploymentOf(view, name));
      expect(env.EVENTS_STREAM_REPLICAS, name).toBe('3');
      const url = new URL(env.NATS_URL ?? 'missing:');
      expect(url.hostname, name).toBe('nats');
      const port = named(view.services, 'nats', 'Service').spec?.ports?.find((candidate) => candidate.port === Number(url.port));
      expect(port?.targetPort, name).toBe('client');
    }
    expect(containerEnv(view, overlay, deploymentOf(view, 'gateway')).NATS_URL).toBeUndefined();
  });
});
