import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { DEPLOY_DIR } from './deployed-config.js';
import { run } from './tools.js';

/*
 * deploy/compose.yaml as `docker compose config` resolves it: the real Compose implementation
 * validates the file, reads the env file and interpolates, and prints the normalised model as JSON.
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** The parts of the normalised model the checks read (Compose itself has validated the whole). */
export const composeModelSchema = z.looseObject({
  name: z.string(),
  services: z.record(
    z.string(),
    z.looseObject({
      image: z.string(),
      pull_policy: z.string().optional(),
      build: z.object({ context: z.string(), dockerfile: z.string(), target: z.string() }).loose().optional(),
      command: z.array(z.string()).nullable().optional(),
      environment: z.record(z.string(), scalar.nullable()).default({}),
      restart: z.string().optional(),
      read_only: z.boolean().optional(),
      user: z.string().optional(),
      cap_drop: z.array(z.string()).optional(),
      security_opt: z.array(z.string()).optional(),
      tmpfs: z.array(z.string()).optional(),
      healthcheck: z.looseObject({ test: z.array(z.string()) }).optional(),
      depends_on: z.record(z.string(), z.looseObject({ condition: z.string() })).default({}),
      ports: z.array(z.looseObject({ target: z.number(), published: scalar, host_ip: z.string().optional() })).default([]),
      volumes: z
        .array(z.looseObject({ type: z.string(), source: z.string(), target: z.string(), read_only: z.boolean().optional() }))
        .default([]),
      stop_grace_period: z.string().optional(),
    }),
  ),
});
export type ComposeModel = z.infer<typeof composeModelSchema>;

export const COMPOSE_FILE = join(DEPLOY_DIR, 'compose.yaml');

/** KEY=value lines; the values used here never need quoting (checked, so a test cannot write a wrong file). */
export function envFileText(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!/^[\w@.+/=:,-]*$/.test(value)) throw new Error(`${key}: value needs quoting in an env file`);
      return `${key}=${value}\n`;
    })
    .join('');
}

const EXAMPLE_FILE = join(DEPLOY_DIR, '.env.example');

/** Reads KEY=value assignments (comments and blank lines skipped) from .env.example, for copying it. */
export async function exampleEnv(): Promise<Record<string, string>> {
  return Object.fromEntries(assignments(await readFile(EXAMPLE_FILE, 'utf8'), /^([A-Z_][A-Z0-9_]*)=(.*)$/));
}

/**
 * Every variable .env.example names, set (`KEY=value`) or shown commented out with its default
 * (`# KEY=value`), and that value.
 */
export async function documentedEnv(): Promise<Map<string, string>> {
  return new Map(assignments(await readFile(EXAMPLE_FILE, 'utf8'), /^(?:# )?([A-Z_][A-Z0-9_]*)=(.*)$/));
}

function assignments(text: string, pattern: RegExp): [string, string][] {
  return text.split('\n').flatMap((line) => {
    const match = pattern.exec(line);
    return match?.[1] === undefined ? [] : [[match[1], match[2] ?? '']];
  });
}

/** .env.example with the gateway secrets generated as it says (`openssl rand -base64 ...`). */
export async function filledEnv(extra: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
  return { ...(await exampleEnv()), JWT_SECRET: randomBytes(32).toString('base64'), ADMIN_PASSWORD: randomBytes(18).toString('base64'), ...extra };
}

/** Runs `docker compose -f deploy/compose.yaml --env-file <env> <args>` with nothing else in its environment. */
export async function composeWithEnv(
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  { project = 'emporium-check', timeoutMs }: { project?: string; timeoutMs?: number } = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'emporium-compose-'));
  try {
    const envFile = join(dir, '.env');
    await writeFile(envFile, envFileText(env));
    return await run('docker', ['compose', '-f', COMPOSE_FILE, '--env-file', envFile, '--project-name', project, ...args], timeoutMs === undefined ? {} : { timeoutMs });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The normalised model `docker compose config --format json` prints for this env file; with
 * `profiles`, the services of those profiles too (`*`: every profile).
 */
export async function composeConfig(env: Readonly<Record<string, string>>, profiles: readonly string[] = []): Promise<ComposeModel> {
  const json: unknown = JSON.parse(await composeWithEnv(env, [...profiles.flatMap((profile) => ['--profile', profile]), 'config', '--format', 'json']));
  return composeModelSchema.parse(json);
}

/** `docker compose config --variables`: every variable the file refers to and whether it is required. */
export async function composeVariables(env: Readonly<Record<string, string>>): Promise<Map<string, { required: boolean }>> {
  const table = await composeWithEnv(env, ['config', '--variables']);
  const variables = new Map<string, { required: boolean }>();
  for (const line of table.split('\n').slice(1)) {
    const match = /^(\S+)\s+(true|false)\b/.exec(line);
    if (match?.[1] !== undefined) variables.set(match[1], { required: match[2] === 'true' });
  }
  if (variables.size === 0) throw new Error(`no variables read from:\n${table}`);
  return variables;
}
