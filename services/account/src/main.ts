import { loadConfig } from '@emporium/kit/config.js';
import { exitOnStartFailure, stopOnSignals } from '@emporium/kit/lifecycle.js';
import { createLogger, type Logger } from '@emporium/kit/logger.js';
import { isEntryPoint, startService, type RunningService } from '@emporium/kit/service-runtime.js';
import { migrations } from '../migrations/index.js';
import { accountConfigSchema, type AccountConfig } from './config.js';
import { PasswordHasher } from './password.js';
import { AccountRepository, type AccountDatabase } from './repository.js';
import { accountServer } from './server.js';
import { AccountService } from './service.js';
import { SessionRepository, type SessionDatabase } from './session-repository.js';
import { SessionService } from './sessions.js';

export function startAccountService(config: AccountConfig, log: Logger): Promise<RunningService<AccountDatabase & SessionDatabase>> {
  return startService<AccountDatabase & SessionDatabase>({
    config,
    log,
    migrations,
    build: (db) => {
      const accounts = new AccountService(new AccountRepository(db), new PasswordHasher(config.SCRYPT_LOG_N));
      return [accountServer(accounts, new SessionService(new SessionRepository(db), accounts))];
    },
  });
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig(accountConfigSchema);
  const log = createLogger('account', config.LOG_LEVEL);
  startAccountService(config, log).then((service) => stopOnSignals(() => service.stop(), log), exitOnStartFailure(log));
}
