import { isDomainError } from '@emporium/kit/errors.js';
import { seedDemoData } from './demo-seed.js';
import { newDemoCredentials, readDemoCredentials, runnerConfig, saveDemoCredentials } from './runner-config.js';

// `npm run seed`: (re)loads the demo data into the running platform (scripts/demo-seed.ts). New
// demo credentials (a data directory npm start never used) are kept only once the seeding
// succeeded: a seed that fails leaves the data directory as it found it.

const config = runnerConfig();
const stored = readDemoCredentials(config);
const credentials = stored ?? newDemoCredentials();
seedDemoData(config, credentials.customer, { reload: true }).then(
  ({ created, updated }) => {
    if (stored === undefined) saveDemoCredentials(config, credentials);
    process.stdout.write(`demo data loaded: ${created} products created, ${updated} reset\n`);
    process.stdout.write(`demo customer: ${credentials.customer.email} / ${credentials.customer.password}\n`);
  },
  (error: unknown) => {
    const message = isDomainError(error, 'UNAVAILABLE')
      ? 'the platform is not running: start it with `npm start` first'
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`seeding failed: ${message}\n`);
    process.exit(1);
  },
);
