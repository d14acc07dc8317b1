import { pino, type Logger, type LevelWithSilent } from 'pino';
import { traceFields } from './tracing.js';

export type { Logger };

/**
 * JSON logs with the service name on every line; pretty only when a human is watching a TTY
 * (and never in production, where a collector reads the JSON).
 */
export function createLogger(service: string, level: LevelWithSilent = 'info'): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({
    level,
    base: { service },
    // A line written inside a traced request names its trace and span (see tracing.ts).
    mixin: traceFields,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
