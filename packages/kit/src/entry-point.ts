import { pathToFileURL } from 'node:url';

// Imports nothing but node:url, so that every process (a service, the gateway, a CLI, the
// container health check) may ask without loading anything it does not use.

/** True when the module at moduleUrl is the script node was asked to run. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}
