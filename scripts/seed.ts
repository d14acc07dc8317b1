import { isDomainError } from '@emporium/kit/errors.js';
import { seedDemoData } from './demo-seed.js';
import { runnerConfig } from './runner-config.js';

// `npm run seed`: (re)loads the demo data into the running platform (scripts/demo-seed.ts).

const config = runnerConfig();
seedDemoData(config, { reload: true }).then(
  ({ created, updated }) => {
    process.stdout.write(`demo data loaded: ${created} products created, ${updated} reset\n`);
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
