import { loadConfig } from '@emporium/kit/config.js';
import { runServiceProcess } from '@emporium/kit/run-process.js';
import { createLogger, type Logger } from '@emporium/kit/logger.js';
import { isEntryPoint } from '@emporium/kit/entry-point.js';
import { withTracing } from '@emporium/kit/telemetry-sdk.js';
import { startService, type RunningService } from '@emporium/kit/start-service.js';
import { migrations } from '../migrations/index.js';
import { CATALOG_SESSION_SETTINGS, catalogConfigSchema, type CatalogConfig } from './config.js';
import { CatalogRepository } from './repository.js';
import type { CatalogDatabase } from './tables.js';
import { catalogServer } from './server.js';
import { CatalogService } from './service.js';

export function startCatalogService(config: CatalogConfig, log: Logger): Promise<RunningService<CatalogDatabase>> {
  return startService<CatalogDatabase>({
    config,
    log,
    migrations,
    sessionSettings: CATALOG_SESSION_SETTINGS,
    events: { service: 'catalog', outbox: true },
    build: (db) => [catalogServer(new CatalogService(new CatalogRepository(db), config.STORE_CURRENCY))],
  });
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig(catalogConfigSchema);
  const log = createLogger('catalog', config.LOG_LEVEL);
  runServiceProcess(config, log, () => withTracing('catalog', log, () => startCatalogService(config, log)));
}
