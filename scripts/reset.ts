import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dataDirOwner } from '@emporium/kit/embedded.js';
import { runnerConfig } from './runner-config.js';

// Wipes the embedded databases (and the demo credentials): the next `npm start` begins afresh.
// Refuses while a service still holds its data directory.

const dataDir = resolve(runnerConfig().EMPORIUM_DATA_DIR);
if (!existsSync(dataDir)) {
  process.stdout.write(`nothing to reset: ${dataDir} does not exist\n`);
  process.exit(0);
}
for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
  const owner = entry.isDirectory() ? dataDirOwner(join(dataDir, entry.name)) : undefined;
  if (owner !== undefined) {
    process.stderr.write(`the ${entry.name} service (process ${owner}) is still running: stop the platform first\n`);
    process.exit(1);
  }
}
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`removed ${dataDir}\n`);
