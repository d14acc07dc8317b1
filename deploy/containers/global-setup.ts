// Global setup of the container suite: the images every test runs, built (or found cached) once
// before any test file starts. EMPORIUM_IMAGES_BUILT=1 skips the build when you have just run
// `npm run images` yourself (the tests then fail on a missing image rather than build it).
//
// Its teardown fails the run when a container, volume or network created during the suite is
// still there at the end: every test cleans up what it starts, failed or not.
import { buildImages } from '../images/build.js';
import { run } from '../test/tools.js';

/** Every container, volume and network on the daemon, by kind and name. */
async function dockerObjects(): Promise<Set<string>> {
  const listings = [
    ['container', ['ps', '--all', '--format', '{{.Names}}']],
    ['volume', ['volume', 'ls', '--format', '{{.Name}}']],
    ['network', ['network', 'ls', '--format', '{{.Name}}']],
  ] as const;
  const objects = new Set<string>();
  for (const [kind, args] of listings) {
    for (const name of (await run('docker', args)).split('\n')) if (name !== '') objects.add(`${kind} ${name}`);
  }
  return objects;
}

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.EMPORIUM_IMAGES_BUILT !== '1') await buildImages();
  const before = await dockerObjects();
  return async () => {
    const left = [...(await dockerObjects())].filter((object) => !before.has(object));
    if (left.length > 0) throw new Error(`the container suite left these behind:\n  ${left.join('\n  ')}`);
  };
}
