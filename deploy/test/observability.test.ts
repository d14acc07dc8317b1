import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '@emporium/kit/config.js';
import { enableProcessMetrics, registry } from '@emporium/kit/metrics.js';
import { accountConfigSchema } from '@emporium/account/config.js';
import { catalogConfigSchema } from '@emporium/catalog/config.js';
import { orderConfigSchema } from '@emporium/order/config.js';
import { notificationConfigSchema } from '@emporium/notification/config.js';
import { gatewayConfigSchema } from '@emporium/gateway/config.js';
// Imported for their metrics: each registers its own in the kit's registry.
import '@emporium/account/metrics.js';
import '@emporium/catalog/metrics.js';
import '@emporium/order/metrics.js';
import '@emporium/gateway/metrics.js';
// The events' metrics (outbox relay, consumers), registered by the kit's modules.
import '@emporium/kit/outbox.js';
import '@emporium/kit/consumer.js';
import { DEPLOY_DIR } from './deployed-config.js';
import { renderKustomization } from './kustomize-build.js';

/*
 * deploy/observability checked by the real tools: promtool (Debian's prometheus package; this
 * test fails when it is missing, .ci/run installs it) checks and unit-tests the alert rules and
 * checks the Prometheus configuration; `docker compose` validates the observability profile. And
 * every metric the rules and the dashboard query is one the processes export.
 */

const run = promisify(execFile);
const OBSERVABILITY = join(DEPLOY_DIR, 'observability');
const PROMETHEUS = join(OBSERVABILITY, 'prometheus');

async function promtool(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('promtool', args, { cwd: PROMETHEUS });
  return `${stdout}${stderr}`;
}

describe('alert rules and Prometheus configuration (promtool)', () => {
  it('promtool check rules accepts the alert rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: 10 rules found/);
  });

  it('promtool test rules passes the rules unit tests', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('promtool check config accepts prometheus.yml and the rule file it loads', async () => {
    expect(await promtool('check', 'config', 'prometheus.yml')).toMatch(/prometheus\.yml is valid prometheus config file syntax/);
  });
});

const scrapeConfig = z.object({
  scrape_configs: z.array(
    z.looseObject({
      job_name: z.string(),
      dns_sd_configs: z.array(z.object({ names: z.array(z.string()), type: z.literal('A'), port: z.number(), refresh_interval: z.string() })).optional(),
    }),
  ),
});

describe('Prometheus scrapes every Emporium process', () => {
  const config = scrapeConfig.parse(parse(readFileSync(join(PROMETHEUS, 'prometheus.yml'), 'utf8')));
  // Where each process serves /metrics when nothing overrides it, as the process itself reads it.
  const metricsPorts: Record<string, number> = {
    account: Number(parseConfig(accountConfigSchema, {}).METRICS_PORT),
    catalog: Number(parseConfig(catalogConfigSchema, {}).METRICS_PORT),
    order: Number(parseConfig(orderConfigSchema, {}).METRICS_PORT),
    notification: Number(parseConfig(notificationConfigSchema, {}).METRICS_PORT),
    gateway: Number(parseConfig(gatewayConfigSchema, {}).METRICS_PORT),
  };

  it.each(Object.keys(metricsPorts))('%s: every replica by DNS, on its metrics port', (service) => {
    const job = config.scrape_configs.find((entry) => entry.job_name === service);
    expect(job?.dns_sd_configs).toEqual([{ names: [service], type: 'A', port: metricsPorts[service], refresh_interval: '15s' }]);
  });
});

describe('the observability profile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emporium-observability-'));
    const example = readFileSync(join(DEPLOY_DIR, '.env.example'), 'utf8');
    // The example's gateway secrets, replaced as it says (compose itself does not judge them).
    const env = `${example}\nJWT_SECRET=${randomBytes(32).toString('base64')}\nADMIN_PASSWORD=${randomBytes(18).toString('base64')}\n`;
    await writeFile(join(dir, '.env'), env);
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const services = async (...profile: string[]) => {
    const { stdout } = await run('docker', ['compose', '-f', join(DEPLOY_DIR, 'compose.yaml'), '--env-file', join(dir, '.env'), ...profile, 'config', '--services']);
    return stdout.trim().split('\n').sort();
  };

  it('docker compose --profile observability config adds the collector, Jaeger, Prometheus and Grafana', async () => {
    const plain = await services();
    const observed = await services('--profile', 'observability');
    expect(observed.filter((name) => !plain.includes(name)).sort()).toEqual(['grafana', 'jaeger', 'otel-collector', 'prometheus']);
    expect(plain).toEqual(['account', 'catalog', 'gateway', 'mail', 'nats', 'notification', 'order', 'postgres', 'redis']);
  });
});

const resource = z.looseObject({ kind: z.string(), metadata: z.looseObject({ name: z.string() }) });
const deployment = z.object({
  kind: z.literal('Deployment'),
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    template: z.object({
      metadata: z.object({ annotations: z.record(z.string(), z.string()).default({}) }),
      spec: z.object({
        containers: z.array(
          z.looseObject({
            ports: z.array(z.looseObject({ name: z.string(), containerPort: z.number() })),
            envFrom: z.array(z.object({ configMapRef: z.object({ name: z.string() }) })),
          }),
        ),
      }),
    }),
  }),
});
const configMap = z.object({ kind: z.literal('ConfigMap'), metadata: z.object({ name: z.string() }), data: z.record(z.string(), z.string()) });
const networkPolicy = z.object({
  kind: z.literal('NetworkPolicy'),
  metadata: z.object({ name: z.string() }),
  spec: z.looseObject({ ingress: z.array(z.looseObject({ from: z.array(z.unknown()).optional(), ports: z.array(z.object({ port: z.union([z.string(), z.number()]) })) })).default([]) }),
});

// Rendered by `kubectl kustomize` (kustomize-build.ts).
describe('Kubernetes (the external-postgres overlay, rendered)', () => {
  let resources: Array<z.infer<typeof resource>> = [];
  beforeAll(async () => {
    resources = (await renderKustomization(join(DEPLOY_DIR, 'k8s', 'overlays', 'external-postgres'))).map((document) => resource.parse(document));
  });
  const find = <T>(schema: z.ZodType<T>, kind: string, name: string): T =>
    schema.parse(resources.find((candidate) => candidate.kind === kind && candidate.metadata.name === name));

  it.each(['account', 'catalog', 'order', 'notification', 'gateway'])('%s: scrape annotations name the port its metrics are served on; the collector endpoint comes from a ConfigMap', (name) => {
    const pod = find(deployment, 'Deployment', name).spec.template;
    const [container] = pod.spec.containers;
    expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics' });
    const port = container?.ports.find((candidate) => candidate.name === 'metrics')?.containerPort;
    expect(pod.metadata.annotations['prometheus.io/port']).toBe(String(port));
    const config = find(configMap, 'ConfigMap', `${name}-config`).data;
    expect(Number(config.METRICS_PORT)).toBe(port);
    expect(container?.envFrom.map((source) => source.configMapRef.name)).toContain('emporium-telemetry');
    // Reachable through the default-deny network: a rule lets anyone in on that port (and only that port).
    const policy = find(networkPolicy, 'NetworkPolicy', name);
    expect(policy.spec.ingress.some((rule) => rule.from === undefined && rule.ports.some((p) => p.port === 'metrics'))).toBe(true);
  });

  it('the telemetry ConfigMap carries the standard OpenTelemetry variables', () => {
    expect(Object.keys(find(configMap, 'ConfigMap', 'emporium-telemetry').data).sort()).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL']);
  });
});

/** The gRPC label names, which look like metric names to the pattern below. */
const LABELS = new Set(['grpc_service', 'grpc_method', 'grpc_code']);

/** Metric names a PromQL expression reads. */
function metricNames(expr: string): string[] {
  const names = expr.match(/\b(?:grpc|emporium|process|nodejs|outbox|events)_[a-z0-9_]+\b/g) ?? [];
  return [...new Set(names)].filter((name) => !LABELS.has(name));
}

describe('every metric the rules and the dashboard query is exported', () => {
  enableProcessMetrics();
  const exported = new Set<string>();
  for (const metric of registry.getMetricsAsArray()) {
    const name = metric.name;
    exported.add(name);
    // Histograms are queried by their series.
    for (const suffix of ['_bucket', '_count', '_sum']) exported.add(`${name}${suffix}`);
  }

  it('alerts.yml', () => {
    const rules = readFileSync(join(PROMETHEUS, 'alerts.yml'), 'utf8');
    const names = metricNames(rules);
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('the Grafana dashboard', () => {
    const dashboard = z
      .object({ panels: z.array(z.object({ targets: z.array(z.object({ expr: z.string() })).optional() })) })
      .parse(JSON.parse(readFileSync(join(OBSERVABILITY, 'grafana', 'dashboards', 'emporium.json'), 'utf8')));
    const names = dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricNames(target.expr)));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !exported.has(name))).toEqual([]);
  });
});
