import { createAccountClient } from '@emporium/account/client.js';
import { createCatalogClient } from '@emporium/catalog/client.js';
import { loadConfig } from '@emporium/kit/config.js';
import { runServiceProcess } from '@emporium/kit/run-process.js';
import { createLogger, type Logger } from '@emporium/kit/logger.js';
import { isEntryPoint } from '@emporium/kit/entry-point.js';
import { withTracing } from '@emporium/kit/telemetry-sdk.js';
import { startService, type RunningService } from '@emporium/kit/start-service.js';
import { migrations } from '../migrations/index.js';
import { orderConfigSchema, type OrderConfig } from './config.js';
import { oldestPendingSources } from './metrics.js';
import { startReconciler, type Reconciler } from './reconciler.js';
import { OrderRepository } from './repository.js';
import type { OrderDatabase } from './tables.js';
import { orderServer } from './server.js';
import type { CrashPoint } from './model.js';
import { OrderService } from './service.js';
import { accountDirectory, stockKeeper } from './upstream.js';

export function startOrderService(config: OrderConfig, log: Logger): Promise<RunningService<OrderDatabase>> {
  const accounts = createAccountClient(config.ACCOUNT_ADDRESS, { deadlineMs: config.UPSTREAM_DEADLINE_MS });
  const catalog = createCatalogClient(config.CATALOG_ADDRESS, { deadlineMs: config.UPSTREAM_DEADLINE_MS });
  const crashPoint = (point: CrashPoint | 'after-publish') => {
    if (config.FAULT_INJECTION === `crash-${point}`) {
      log.warn({ point }, 'fault injection: killing the process');
      process.kill(process.pid, 'SIGKILL');
    }
  };
  let reconciler: Reconciler | undefined;
  let unwatchPending: (() => void) | undefined;
  return startService<OrderDatabase>({
    config,
    log,
    migrations,
    events: { service: 'order', outbox: true, afterPublish: () => crashPoint('after-publish') },
    build: (db) => {
      const repository = new OrderRepository(db);
      unwatchPending = oldestPendingSources.add(() => repository.oldestPendingAgeSeconds());
      const service = new OrderService(repository, accountDirectory(accounts), stockKeeper(catalog), {
        crashPoint,
      });
      reconciler = startReconciler(
        service,
        {
          intervalMs: config.RECONCILE_INTERVAL_MS,
          afterMs: config.RECONCILE_AFTER_MS,
          timeoutMs: config.PENDING_TIMEOUT_MS,
        },
        log,
      );
      return [orderServer(service)];
    },
    beforeClose: async () => {
      unwatchPending?.();
      await reconciler?.stop();
      accounts.close();
      catalog.close();
    },
  });
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig(orderConfigSchema);
  const log = createLogger('order', config.LOG_LEVEL);
  runServiceProcess(config, log, () => withTracing('order', log, () => startOrderService(config, log)));
}
