import { z } from 'zod';
import { run } from '../../test/tools.js';

/** What `docker image inspect` says about an image, in the shape the tests read. */
export interface ImageFacts {
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly workingDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly exposedPorts: readonly string[];
  readonly healthcheck: { readonly test: readonly string[]; readonly timeoutNs: number; readonly startIntervalNs: number } | undefined;
  readonly sizeBytes: number;
  /** The filesystem layers' digests, base first. */
  readonly layers: readonly string[];
}

const inspectSchema = z.array(
  z.looseObject({
    Size: z.number(),
    RootFS: z.looseObject({ Layers: z.array(z.string()) }),
    Config: z.looseObject({
      User: z.string(),
      Entrypoint: z.array(z.string()).nullable(),
      Cmd: z.array(z.string()).nullable(),
      WorkingDir: z.string(),
      Env: z.array(z.string()).nullable(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullable().optional(),
      Healthcheck: z.looseObject({ Test: z.array(z.string()), Timeout: z.number().optional(), StartInterval: z.number().optional() }).optional(),
    }),
  }),
);

export async function imageFacts(image: string): Promise<ImageFacts> {
  const [inspected] = inspectSchema.parse(JSON.parse(await run('docker', ['image', 'inspect', image])));
  if (inspected === undefined) throw new Error(`docker image inspect ${image} returned nothing`);
  const config = inspected.Config;
  const env = Object.fromEntries((config.Env ?? []).map((entry): [string, string] => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  const check = config.Healthcheck;
  return {
    user: config.User,
    entrypoint: config.Entrypoint ?? [],
    cmd: config.Cmd ?? [],
    workingDir: config.WorkingDir,
    env,
    exposedPorts: Object.keys(config.ExposedPorts ?? {}).sort(),
    healthcheck: check === undefined ? undefined : { test: check.Test, timeoutNs: check.Timeout ?? 0, startIntervalNs: check.StartInterval ?? 0 },
    sizeBytes: inspected.Size,
    layers: inspected.RootFS.Layers,
  };
}

/** Lists, inside the image (with its own node), the packages in /app/node_modules and every file outside them. */
const LIST_APP = `
const fs = require('node:fs');
const path = require('node:path');
const modules = [];
const files = [];
function walk(dir, rel) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = rel === '' ? entry.name : rel + '/' + entry.name;
    if (entry.isDirectory()) walk(path.join(dir, entry.name), relative);
    else files.push(relative);
  }
}
function packages(dir, scope) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (scope === '' && entry.name.startsWith('@')) packages(path.join(dir, entry.name), entry.name + '/');
    else modules.push(scope + entry.name);
  }
}
for (const entry of fs.readdirSync('/app', { withFileTypes: true })) {
  if (entry.name === 'node_modules') packages('/app/node_modules', '');
  else if (entry.isDirectory()) walk('/app/' + entry.name, entry.name);
  else files.push(entry.name);
}
process.stdout.write(JSON.stringify({ modules, files }));
`;

const contentsSchema = z.object({ modules: z.array(z.string()), files: z.array(z.string()) });

export async function imageContents(image: string): Promise<z.infer<typeof contentsSchema>> {
  const output = await run('docker', ['run', '--rm', '--read-only', '--network', 'none', '--entrypoint', 'node', image, '--eval', LIST_APP]);
  return contentsSchema.parse(JSON.parse(output));
}
