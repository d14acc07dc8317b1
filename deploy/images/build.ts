// `npm run images`: builds Emporium's images (deploy/Dockerfile, targets account, catalog, order,
// notification, gateway, the one-off seed, and the mail catcher) as ${EMPORIUM_IMAGE_PREFIX:-emporium}/<target>:<release version>
// and :latest, or only :${EMPORIUM_TAG} when that is set. The release version is the services'
// package.json version: the tag deploy/compose.yaml runs by default and the k8s manifests name.
//
// First, every base image the Dockerfile and compose.yaml use must exist locally. For each one:
// present (docker image inspect) -> nothing to do; else docker pull (short timeout); else build a
// stand-in under the same tag from the recipe in deploy/images/<name>/ (the air-gapped path, see
// deploy/README.md). The stand-ins start from a Debian trixie minbase root filesystem made by
// debootstrap from this machine's own package mirror and imported once per machine as
// emporium-base/trixie:latest.
//
// Prints each step and how long it took; exits non-zero naming the step that failed.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const imagesDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(imagesDir, '../..');

const baseImage = 'emporium-base/trixie';
const caBundle = '/etc/ssl/certs/ca-certificates.crt';
const debianSources = '/etc/apt/sources.list.d/debian.sources';
const pullTimeoutSeconds = Number(process.env.EMPORIUM_PULL_TIMEOUT ?? 30);

/** The base images, each with the stand-in recipe built when it can be neither found nor pulled. */
const bases = [
  { tag: 'node:24-trixie-slim', recipe: 'node' },
  { tag: 'postgres:17-trixie', recipe: 'postgres' },
  { tag: 'redis:8-trixie', recipe: 'redis' },
  { tag: 'nats:2.10-alpine', recipe: 'nats' },
] as const;
type Base = (typeof bases)[number];

/** The processes' images, the seed's (deploy/compose.yaml, profile seed) and the mail catcher's. */
export const targets = ['account', 'catalog', 'order', 'notification', 'gateway', 'seed', 'mail'] as const;
export type Target = (typeof targets)[number];

const versionedPackages = ['account', 'catalog', 'order', 'notification', 'gateway'].map((name) => join(root, 'services', name, 'package.json'));

/** The version every image is released under: the services' package.json version, which must agree. */
export function releaseVersion(): string {
  const versions = new Set(
    versionedPackages.map((file) => {
      const manifest: unknown = JSON.parse(readFileSync(file, 'utf8'));
      const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
      if (typeof version !== 'string') throw new Error(`${file} has no version`);
      return version;
    }),
  );
  const [version, ...others] = versions;
  if (version === undefined || others.length > 0) throw new Error(`the services' package.json versions differ: ${[...versions].join(', ')}`);
  return version;
}

/** The tags one target is built under: EMPORIUM_TAG when set, else the release version and latest. */
export function imageTags(target: Target, env: NodeJS.ProcessEnv = process.env): string[] {
  const tags = env.EMPORIUM_TAG ? [env.EMPORIUM_TAG] : [releaseVersion(), 'latest'];
  return tags.map((tag) => `${env.EMPORIUM_IMAGE_PREFIX || 'emporium'}/${target}:${tag}`);
}

class StepFailed extends Error {}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

async function step<T>(title: string, action: () => T | Promise<T>): Promise<T> {
  console.log(`\n==> ${title}`);
  const started = performance.now();
  try {
    const result = await action();
    console.log(`    done: ${title} (${seconds(started)})`);
    return result;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StepFailed(`${title}: ${reason} (after ${seconds(started)})`);
  }
}

/** Runs a command with its output shown; throws when it fails. */
function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}): void {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command} could not be started: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

/** Runs a command quietly; true when it exits 0. */
function succeeds(command: string, args: readonly string[], timeoutSeconds?: number): boolean {
  const result = spawnSync(command, args, {
    stdio: 'ignore',
    ...(timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds * 1000, killSignal: 'SIGKILL' }),
  });
  return result.status === 0;
}

function output(command: string, args: readonly string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.error) throw new Error(`${command} could not be started: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return result.stdout.trim();
}

function imageExists(tag: string): boolean {
  return succeeds('docker', ['image', 'inspect', tag]);
}

/** The machine's Debian mirror: the first URIs of a stanza in debian.sources that is not the security archive. */
export function debianMirror(sources: string): string {
  for (const stanza of sources.split(/\n\s*\n/)) {
    const uris = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1] ?? '';
    if (uris && !suites.split(/\s+/).every((suite) => suite.endsWith('-security'))) return uris;
  }
  throw new Error(`no Debian mirror found in ${debianSources}`);
}

/** debootstrap --variant=minbase trixie from the machine's mirror, imported as emporium-base/trixie. */
function buildBaseRootfs(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('debootstrap needs root: run `npm run images` as root once on this machine (CI does)');
  }
  const mirror = debianMirror(readFileSync(debianSources, 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'emporium-rootfs-'));
  try {
    const rootfs = join(work, 'rootfs');
    console.log(`    debootstrap --variant=minbase trixie from ${mirror}`);
    run('debootstrap', ['--variant=minbase', 'trixie', rootfs, mirror], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Like Debian's official images: no documentation or translations in later installs, no
    // package lists or downloaded packages left in the layer.
    run('sh', ['-c', [
      `printf '%s\\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' 'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' > "$1/etc/dpkg/dpkg.cfg.d/emporium-slim"`,
      `printf 'APT::Install-Recommends "false";\\n' > "$1/etc/apt/apt.conf.d/emporium-no-recommends"`,
      // apt keeps no binary package caches (about 90 MB after an update) and no downloaded .deb:
      // a layer that runs apt-get install and removes the lists then holds only what it installed.
      `printf '%s\\n' 'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; };' > "$1/etc/apt/apt.conf.d/emporium-no-cache"`,
      'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/archives/*.deb "$1"/usr/share/man/* "$1"/usr/share/info/*',
    ].join(' && '), 'sh', rootfs]);
    const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    const dated = `${baseImage}:${date}`;
    run('sh', ['-c', 'tar --numeric-owner -C "$1" -c . | docker import --change "CMD [\\"bash\\"]" --change "ENV LANG=C.UTF-8" - "$2"', 'sh', rootfs, dated]);
    run('docker', ['tag', dated, `${baseImage}:latest`]);
    console.log(`    imported as ${dated} and ${baseImage}:latest`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** npm pack <spec> into dir; returns the tarball's path. */
function npmPack(spec: string, dir: string): string {
  const name = output('npm', ['pack', '--silent', spec], dir).split('\n').at(-1);
  if (!name) throw new Error(`npm pack ${spec} printed no file name`);
  return join(dir, name);
}

function nodeArch(): string {
  if (process.arch === 'x64' || process.arch === 'arm64') return process.arch;
  throw new Error(`no node-linux-<arch> package for architecture ${process.arch}`);
}

/** The build context of a stand-in: its recipe, the CA bundle, and for node the binaries from npm. */
function standInContext(base: Base, context: string): string[] {
  const recipe = join(imagesDir, base.recipe);
  for (const file of readdirSync(recipe)) copyFileSync(join(recipe, file), join(context, file));
  copyFileSync(caBundle, join(context, 'ca-certificates.crt'));
  if (base.recipe !== 'node') return [];

  const downloads = join(context, 'downloads');
  mkdirSync(downloads);
  const nodeTarball = npmPack(`node-linux-${nodeArch()}@24`, downloads);
  run('tar', ['-xzf', nodeTarball, '-C', context, '--strip-components=2', 'package/bin/node']);
  const nodeVersion = output(join(context, 'node'), ['--version']).replace(/^v/, '');
  if (!nodeVersion.startsWith('24.')) throw new Error(`node-linux-${nodeArch()}@24 holds node ${nodeVersion}`);
  // Node 24 bundles npm 11; the registry's newest 11.x is what its latest release ships or newer.
  const npmTarball = npmPack('npm@11', downloads);
  mkdirSync(join(context, 'npm'));
  run('tar', ['-xzf', npmTarball, '-C', join(context, 'npm'), '--strip-components=1']);
  rmSync(downloads, { recursive: true });
  const npmManifest: unknown = JSON.parse(readFileSync(join(context, 'npm/package.json'), 'utf8'));
  const npmVersion = typeof npmManifest === 'object' && npmManifest !== null && 'version' in npmManifest ? String(npmManifest.version) : '?';
  console.log(`    node ${nodeVersion} (node-linux-${nodeArch()}), npm ${npmVersion}`);
  return ['--build-arg', `NODE_VERSION=${nodeVersion}`];
}

function buildStandIn(base: Base): void {
  const context = mkdtempSync(join(tmpdir(), `emporium-${base.recipe}-`));
  try {
    const buildArgs = standInContext(base, context);
    run('docker', [
      'build', '--tag', base.tag,
      '--build-arg', `BASE=${baseImage}:latest`,
      '--label', 'org.opencontainers.image.vendor=Emporium stand-in (deploy/images)',
      '--label', `org.opencontainers.image.title=${base.tag}`,
      ...buildArgs, context,
    ]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

async function ensureBases(): Promise<void> {
  const missing: Base[] = [];
  for (const base of bases) {
    const how = await step(`base image ${base.tag}`, () => {
      if (imageExists(base.tag)) return 'present';
      if (succeeds('docker', ['pull', '--quiet', base.tag], pullTimeoutSeconds)) return 'pulled';
      missing.push(base);
      return `not present, and docker pull failed or took over ${pullTimeoutSeconds} s: a stand-in will be built`;
    });
    console.log(`    ${how}`);
  }
  if (missing.length === 0) return;

  if (imageExists(`${baseImage}:latest`)) {
    console.log(`\n==> root filesystem ${baseImage}:latest: present (cached)`);
  } else {
    await step(`root filesystem ${baseImage} (debootstrap, once per machine)`, buildBaseRootfs);
  }
  for (const base of missing) {
    await step(`stand-in ${base.tag} (deploy/images/${base.recipe})`, () => buildStandIn(base));
  }
}

/**
 * The targets in one `docker buildx bake`: one build session, so the stages they share (build,
 * production-dependencies, runtime) are built once, and the targets' own steps run in parallel.
 */
async function buildTargets(): Promise<void> {
  const tags = targets.flatMap((target) => imageTags(target));
  await step(`images ${tags.join(', ')} (deploy/Dockerfile, one bake)`, () => {
    const definition = {
      group: { default: { targets: [...targets] } },
      target: Object.fromEntries(targets.map((target) => [target, {
        context: '.',
        dockerfile: 'deploy/Dockerfile',
        target,
        tags: imageTags(target),
      }])),
    };
    const dir = mkdtempSync(join(tmpdir(), 'emporium-bake-'));
    try {
      const file = join(dir, 'docker-bake.json');
      writeFileSync(file, JSON.stringify(definition, null, 2));
      run('docker', ['buildx', 'bake', '--file', file, '--load', '--progress', 'plain'], { cwd: root });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Everything `npm run images` does; the container suite's global setup calls it too. */
export async function buildImages(): Promise<void> {
  const started = performance.now();
  await step('docker engine', () => {
    console.log(`    ${output('docker', ['version', '--format', 'client {{.Client.Version}}, server {{.Server.Version}}'])}`);
  });
  await ensureBases();
  await buildTargets();
  console.log(`\nimages built in ${seconds(started)}:`);
  for (const tag of [...bases.map((base) => base.tag), ...targets.flatMap((target) => imageTags(target))]) {
    const bytes = Number(output('docker', ['image', 'inspect', '--format', '{{.Size}}', tag]));
    console.log(`    ${tag}  ${(bytes / 1e6).toFixed(0)} MB`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildImages().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`\nnpm run images FAILED: ${message}`);
    process.exit(1);
  });
}
