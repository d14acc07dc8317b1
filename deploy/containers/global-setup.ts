// Global setup of the container suite: the images every test runs, built (or found cached) once
// before any test file starts. EMPORIUM_IMAGES_BUILT=1 skips the build when you have just run
// `npm run images` yourself (the tests then fail on a missing image rather than build it).
import { buildImages } from '../images/build.js';

export default async function setup(): Promise<void> {
  if (process.env.EMPORIUM_IMAGES_BUILT === '1') return;
  await buildImages();
}
