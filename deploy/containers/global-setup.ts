// Global setup of the container suite: the images every test runs, built (or found cached) once
// before any test file starts.
import { buildImages } from '../images/build.js';

export default async function setup(): Promise<void> {
  await buildImages();
}
