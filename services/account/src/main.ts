import { loadConfig } from '@emporium/kit/config.js';
import { hashGates } from './metrics.js';
import { runServiceProcess } from '@emporium/kit/run-process.js';
import { createLogger, type Logger } from '@emporium/kit/logger.js';
import { isEntryPoint } from '@emporium/kit/entry-point.js';
import { withTracing } from '@emporium/kit/telemetry-sdk.js';
import { startService, type RunningService } from '@emporium/kit/start-service.js';
import { migrations } from '../migrations/index.js';
import { accountConfigSchema, type AccountConfig } from './config.js';
import { HashGate, type HashGateStats } from './hash-gate.js';
import { PasswordHasher } from './password.js';
import { AccountRepository } from './repository.js';
import { accountServer } from './server.js';
import { AccountService } from './service.js';
import { SessionRepository } from './session-repository.js';
import type { AccountDatabase, SessionDatabase } from './tables.js';
import { SessionService } from './sessions.js';

export interface RunningAccountService extends RunningService<AccountDatabase & SessionDatabase> {
  /** Password hashing admission: hashes started, calls refused and dropped (tests and metrics). */
  hashing(): HashGateStats;
}

export async function startAccountService(config: AccountConfig, log: Logger): Promise<RunningAccountService> {
  const gate = new HashGate({
    concurrency: config.HASH_CONCURRENCY,
    maxQueued: config.HASH_QUEUE_MAX,
    maxWaitMs: config.HASH_MAX_WAIT_MS,
  });
  const passwords = new PasswordHasher(config.SCRYPT_LOG_N, gate);
  const running = await startService<AccountDatabase & SessionDatabase>({
    config,
    log,
    migrations,
    events: { service: 'account', outbox: true },
    build: (db) => {
      const accounts = new AccountService(new AccountRepository(db), passwords);
      return [accountServer(accounts, new SessionService(new SessionRepository(db), accounts))];
    },
  });
  const unwatchGate = hashGates.add({ stats: () => gate.stats(), concurrency: config.HASH_CONCURRENCY, maxQueued: config.HASH_QUEUE_MAX });
  return {
    ...running,
    hashing: () => gate.stats(),
    stop: () => {
      unwatchGate();
      return running.stop();
    },
  };
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig(accountConfigSchema);
  const log = createLogger('account', config.LOG_LEVEL);
  runServiceProcess(config, log, () => withTracing('account', log, () => startAccountService(config, log)));
}
