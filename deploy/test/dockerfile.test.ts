import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildContextFiles, isIgnored, parseDockerignore } from './build-context.js';
import { command, copies, healthcheck, parseDockerfile, runs, stage, stageEnv } from './dockerfile.js';
import { DEPLOY_DIR, PROCESSES, REPO_ROOT, parseProcessEnv } from './deployed-config.js';

/*
 * What can be known about the images without building them: the Dockerfile's structure and the
 * build context it gets. (production-build.test.ts runs its steps.)
 */

const dockerfile = parseDockerfile(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8'));
const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8');

describe('deploy/Dockerfile', () => {
  it('builds every process from one file: a target per process on a shared runtime stage', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'production-dependencies', 'runtime', ...PROCESSES]);
    for (const name of PROCESSES) expect(stage(dockerfile, name).base, name).toBe('runtime');
  });

  it('runs on Node 24 LTS, slim, for every stage', () => {
    expect(dockerfile.globalArgs.get('NODE_IMAGE')).toMatch(/^node:24-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
    for (const name of ['build', 'production-dependencies', 'runtime']) expect(stage(dockerfile, name).base).toBe(dockerfile.globalArgs.get('NODE_IMAGE'));
  });

  it('installs production dependencies only into the runtime, from the lockfile', () => {
    expect(runs(stage(dockerfile, 'production-dependencies'))).toEqual(['npm ci --omit=dev --ignore-scripts --no-audit --no-fund']);
    const runtimeCopies = copies(stage(dockerfile, 'runtime'));
    // node_modules comes only from the production install; from the build stage only dist/ and data files.
    const modules = runtimeCopies.filter((copy) => copy.sources.some((source) => source.includes('node_modules')));
    expect(modules.map((copy) => copy.from)).toEqual(['production-dependencies']);
    for (const copy of runtimeCopies.filter((c) => c.from === 'build')) {
      for (const source of copy.sources) expect(source).toMatch(/^\/app\/(packages|services)\/[a-z]+\/(dist|schema|graphiql)$/);
    }
    expect(runtimeCopies.every((copy) => copy.from !== undefined), 'the runtime takes nothing straight from the context').toBe(true);
  });

  it('runs as a numeric non-root user under tini', () => {
    const user = stage(dockerfile, 'runtime').instructions.filter((i) => i.keyword === 'USER').at(-1);
    expect(user?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(runs(stage(dockerfile, 'runtime')).join('\n')).toContain('apt-get install -y --no-install-recommends tini');
    for (const name of PROCESSES) expect(command(dockerfile, name, 'ENTRYPOINT'), name).toEqual(['/usr/bin/tini', '--']);
  });

  it("gives every target its process's command, port and a health check by the node script", () => {
    for (const name of PROCESSES) {
      expect(command(dockerfile, name, 'CMD'), name).toEqual(['node', `services/${name}/dist/src/main.js`]);
      const env = stageEnv(dockerfile, name);
      expect(env.NODE_ENV, name).toBe('production');
      // The image's defaults alone make a valid configuration (apart from the database), and the
      // port it exposes is the one the process listens on.
      const config = parseProcessEnv(name, env);
      expect(config.HOST, name).toBe('0.0.0.0');
      const exposed = stage(dockerfile, name).instructions.filter((i) => i.keyword === 'EXPOSE').map((i) => Number(i.args));
      expect(exposed, name).toEqual([config.PORT]);
      const check = healthcheck(dockerfile, name);
      expect(check?.command.slice(0, 2), name).toEqual(['node', 'packages/kit/dist/healthcheck.js']);
      expect(check?.command[2], name).toBe(name === 'gateway' ? 'http' : 'grpc');
      expect(check?.options.get('timeout'), name).toBeDefined();
    }
  });

  it('copies from the build context only files the context has (nothing needed is dockerignored)', () => {
    const context = buildContextFiles(REPO_ROOT, dockerignore);
    const present = (path: string) => context.some((file) => file === path || file.startsWith(`${path.replace(/\/$/, '')}/`));
    for (const name of ['build', 'production-dependencies']) {
      for (const copy of copies(stage(dockerfile, name)).filter((c) => c.from === undefined)) {
        for (const source of copy.sources) expect(present(source), `${name}: COPY ${source}`).toBe(true);
      }
    }
    // The build needs the TypeScript sources and generated code, and gets no tests, secrets or local state.
    expect(present('packages/contracts/gen')).toBe(true);
    expect(present('services/gateway/graphiql/app.mjs')).toBe(true);
    for (const file of context) {
      expect(file).not.toMatch(/(^|\/)(node_modules|dist|\.data|test)\//);
      expect(file).not.toMatch(/(^|\/)[^/]*\.env$/);
    }
  });
});

describe('.dockerignore reader', () => {
  const rules = parseDockerignore('# comment\n**/node_modules\n*.md\n!README.md\ndeploy\n/.env\ndocs/**/draft?.txt\n');

  it('matches at any depth with **, at the root otherwise, and whole directories', () => {
    expect(isIgnored('node_modules/x/index.js', rules)).toBe(true);
    expect(isIgnored('services/a/node_modules/y', rules)).toBe(true);
    expect(isIgnored('CHANGES.md', rules)).toBe(true);
    expect(isIgnored('services/a/CHANGES.md', rules)).toBe(false);
    expect(isIgnored('deploy/Dockerfile', rules)).toBe(true);
    expect(isIgnored('services/deploy', rules)).toBe(false);
    expect(isIgnored('.env', rules)).toBe(true);
    expect(isIgnored('docs/a/b/draft1.txt', rules)).toBe(true);
    expect(isIgnored('docs/draft12.txt', rules)).toBe(false);
  });

  it('lets a later ! pattern take a file back', () => {
    expect(isIgnored('README.md', rules)).toBe(false);
  });
});

describe('Dockerfile reader', () => {
  const text = [
    'ARG BASE=node:24-slim',
    'FROM ${BASE} AS one',
    '# a comment',
    'ENV A=1 \\',
    '    B=2',
    'RUN --mount=type=cache,target=/x npm ci \\',
    '  # inside a continuation',
    ' && echo done',
    'CMD ["node", "a.js"]',
    'FROM one AS two',
    'ENV B=3',
    'HEALTHCHECK --interval=5s --timeout=1s CMD ["node", "check.js"]',
    'COPY --from=one /app/a /app/b ./',
  ].join('\n');
  const parsed = parseDockerfile(text);

  it('reads stages, ENV inheritance, RUN without mounts, inherited CMD, HEALTHCHECK and COPY', () => {
    expect(parsed.stages.map((s) => [s.name, s.base])).toEqual([
      ['one', 'node:24-slim'],
      ['two', 'one'],
    ]);
    expect(stageEnv(parsed, 'two')).toEqual({ A: '1', B: '3' });
    expect(runs(stage(parsed, 'one'))).toEqual(['npm ci && echo done']);
    expect(command(parsed, 'two', 'CMD')).toEqual(['node', 'a.js']);
    expect(healthcheck(parsed, 'two')).toEqual({ options: new Map([['interval', '5s'], ['timeout', '1s']]), command: ['node', 'check.js'] });
    expect(copies(stage(parsed, 'two'))).toEqual([{ from: 'one', sources: ['/app/a', '/app/b'], destination: './' }]);
  });

  it('refuses what it does not understand rather than guessing', () => {
    expect(() => parseDockerfile('FROM node')).toThrow('named');
    expect(() => parseDockerfile('FROM node AS a\nONBUILD RUN x')).toThrow('ONBUILD');
    expect(() => command(parseDockerfile('FROM node AS a\nCMD node a.js'), 'a', 'CMD')).toThrow('exec (JSON array) form');
    expect(() => stageEnv(parseDockerfile('FROM node AS a\nENV A "x y"'), 'a')).toThrow('NAME=value');
  });
});
