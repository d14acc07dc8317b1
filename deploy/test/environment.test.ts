import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_FILE, composeConfig, documentedEnv, filledEnv, type ComposeModel } from './compose-config.js';
import { DEPLOY_DIR, PROCESSES, parseProcessEnv, variablesRead, type ProcessName } from './deployed-config.js';

/*
 * Every variable a process reads, as its own config schema lists them, is either an operator's
 * setting — passed from deploy/.env to every process that reads it and listed in .env.example — or
 * one the deployment decides, named below with the reason. A variable added to a schema and
 * forgotten in compose.yaml or .env.example fails here.
 */

/** Set by compose.yaml itself to what the Compose network needs: not the operator's to change. */
const SET_BY_COMPOSE: Readonly<Record<string, string>> = {
  DATABASE_URL: "built from the service's role and its password (ACCOUNT_DB_PASSWORD, ...)",
  ACCOUNT_ADDRESS: 'the account service on the Compose network',
  CATALOG_ADDRESS: 'the catalog service on the Compose network',
  ORDER_ADDRESS: 'the order service on the Compose network',
  REDIS_URL: 'the redis service on the Compose network',
  NATS_URL: 'the nats service on the Compose network',
  SMTP_URL: 'the mail catcher on the Compose network, unless deploy/.env names a mail server (compose.test.ts)',
};

/** Not passed at all: the image decides, or nothing in a container reads it. */
const NOT_PASSED: Readonly<Record<string, string>> = {
  HOST: 'the image sets 0.0.0.0',
  PORT: "the image sets each process's port; the addresses, EXPOSE and the health check follow it",
  METRICS_PORT: 'Prometheus (observability/prometheus/prometheus.yml) scrapes the default metrics ports',
  NODE_ENV: 'the image sets production',
  DATA_DIR: 'read only without DATABASE_URL (services) or JWT_SECRET (gateway), which Compose always sets',
  FAULT_INJECTION: 'test-only crash points, refused in production',
  TOKEN_TTL_SECONDS: 'the old name of ACCESS_TOKEN_TTL_SECONDS, which is passed',
  REQUEST_TIMEOUT_MS: 'the old name of REQUEST_BACKEND_DEADLINE_MS, which is passed',
};

const COMPOSE_FILES = [COMPOSE_FILE, join(DEPLOY_DIR, 'observability/compose.yaml')];

const env = await filledEnv();
const documented = await documentedEnv();
const compose = await composeConfig(env);

function environmentOf(model: ComposeModel, name: ProcessName): Record<string, string | null> {
  const service = model.services[name];
  if (service === undefined) throw new Error(`compose.yaml has no service ${name}`);
  return service.environment;
}

/** A process's compose environment as the strings the container gets (none is taken from the host). */
function containerEnv(model: ComposeModel, name: ProcessName): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environmentOf(model, name)).map(([key, value]): [string, string] => {
      if (value === null) throw new Error(`${name}.${key} has no value`);
      return [key, value];
    }),
  );
}

const deploymentDecides = (variable: string) => variable in SET_BY_COMPOSE || variable in NOT_PASSED;

/** The operator's settings each process reads. */
const settings = new Map<ProcessName, string[]>(PROCESSES.map((name) => [name, variablesRead(name).filter((variable) => !deploymentDecides(variable))]));
const allSettings = [...new Set([...settings.values()].flat())].sort();

function settingsOf(name: ProcessName): string[] {
  return settings.get(name) ?? [];
}

describe('the environment deploy/compose.yaml gives each process', () => {
  it('names only variables some process reads among those the deployment decides', () => {
    const read = new Set(PROCESSES.flatMap((name) => variablesRead(name)));
    for (const variable of [...Object.keys(SET_BY_COMPOSE), ...Object.keys(NOT_PASSED)]) expect(read, variable).toContain(variable);
    // The secrets are settings too: they come from deploy/.env.
    expect(allSettings).toEqual(expect.arrayContaining(['ADMIN_EMAIL', 'ADMIN_PASSWORD', 'JWT_SECRET', 'RATE_LIMIT_REQUESTS', 'ACCESS_TOKEN_TTL_SECONDS']));
  });

  it('passes every setting a process reads from deploy/.env, under its own name, to every process that reads it', async () => {
    const marked = await composeConfig({ ...env, ...Object.fromEntries(allSettings.map((variable) => [variable, `from-env-${variable}`])) });
    for (const name of PROCESSES) {
      const passed = containerEnv(marked, name);
      for (const variable of settingsOf(name)) expect(passed[variable], `${name} ${variable}`).toBe(`from-env-${variable}`);
    }
  });

  it('lists every setting in .env.example, and every variable .env.example lists is one compose.yaml reads', async () => {
    const missing = allSettings.filter((variable) => !documented.has(variable));
    expect(missing, 'settings missing from .env.example').toEqual([]);
    // Read from the files' text: `config --variables` leaves out the ports' and the included file's.
    const files = (await Promise.all(COMPOSE_FILES.map((file) => readFile(file, 'utf8')))).join('\n');
    const unused = [...documented.keys()].filter((variable) => !new RegExp(`\\$\\{${variable}[:}]`).test(files));
    expect(unused, 'listed in .env.example, unused').toEqual([]);
  });

  it('sets what the deployment decides itself, and passes nothing the image or a default decides', () => {
    for (const name of PROCESSES) {
      const passed = containerEnv(compose, name);
      for (const variable of variablesRead(name)) {
        if (variable in SET_BY_COMPOSE) expect(passed[variable], `${name} ${variable}`).toMatch(/./);
        if (variable in NOT_PASSED) expect(passed[variable], `${name} ${variable}`).toBeUndefined();
      }
    }
  });

  it("gives a setting deploy/.env leaves unset to the process empty, so the process's own default applies", () => {
    for (const name of PROCESSES) {
      const passed = containerEnv(compose, name);
      for (const variable of settingsOf(name)) {
        if (['ADMIN_EMAIL', 'ADMIN_PASSWORD', 'JWT_SECRET'].includes(variable)) continue;
        expect(passed[variable], `${name} ${variable}`).toBe('');
      }
      // An empty value means unset to the process: the same configuration as without the entries.
      const withoutEmpty = Object.fromEntries(Object.entries(passed).filter(([, value]) => value !== ''));
      expect(parseProcessEnv(name, passed), name).toEqual(parseProcessEnv(name, withoutEmpty));
    }
  });

  it(".env.example's commented defaults are the processes' own", async () => {
    const shown = [...documented].filter(([variable, value]) => allSettings.includes(variable) && value !== '' && !(variable in env));
    expect(shown.length).toBeGreaterThan(30);
    const uncommented = await composeConfig({ ...env, ...Object.fromEntries(shown) });
    for (const name of PROCESSES) {
      expect(parseProcessEnv(name, containerEnv(uncommented, name)), name).toEqual(parseProcessEnv(name, containerEnv(compose, name)));
    }
  });
});
