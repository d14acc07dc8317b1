import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { streamOf, type EventsConfig } from './events.js';
import type { Logger } from './logger.js';

/*
 * One NATS connection per process, shared by its outbox relay and its consumers. It is made in
 * the background: a service starts, serves and records events whether or not NATS is there, and
 * the relay and consumers wait for `ready()`. Once connected the client reconnects by itself for
 * ever; a process only notices through `connected`.
 */

export interface EventBus {
  readonly namespace: string | undefined;
  /** Whether the connection is up right now (false before the first connect and while reconnecting). */
  readonly connected: boolean;
  /** Resolves with the connection once there is one; rejects when the bus is closed first. */
  ready(): Promise<{ connection: NatsConnection; jetstream: JetStreamClient; manager: JetStreamManager }>;
  /** Calls listener whenever the connection comes up (first connect and every reconnect); returns the unsubscribe. */
  onUp(listener: () => void): () => void;
  /** Creates (or brings to this configuration) the stream of one service's events. Idempotent. */
  ensureStream(source: string): Promise<string>;
  close(): Promise<void>;
}

const STREAM_CONFIG_MISMATCH = 10058;
const CLOSE_FLUSH_MS = 250;
const nanos = (ms: number) => ms * 1_000_000;

export class BusClosedError extends Error {
  override readonly name = 'BusClosedError';
  constructor() {
    super('the event bus is closed');
  }
}

export function createEventBus(
  config: EventsConfig & { readonly NATS_URL: readonly string[] },
  log: Logger,
  name: string,
  retryMs = 1_000,
): EventBus {
  let closed = false;
  let up = false;
  let wakeRetry: (() => void) | undefined;
  let current: { connection: NatsConnection; jetstream: JetStreamClient; manager: JetStreamManager } | undefined;
  const ensured = new Map<string, Promise<string>>();
  const upListeners = new Set<() => void>();
  const cameUp = () => {
    for (const listener of upListeners) listener();
  };

  const watch = async (connection: NatsConnection) => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        up = false;
        log.warn({ server: status.server }, 'lost the NATS connection; reconnecting');
      } else if (status.type === 'reconnect') {
        up = true;
        // A server that lost its store (a fresh container) has no streams: make them again.
        ensured.clear();
        log.info({ server: status.server }, 'reconnected to NATS');
        cameUp();
      }
    }
  };

  const connecting = (async () => {
    let reported = false;
    while (!closed) {
      try {
        const connection = await connect({
          servers: [...config.NATS_URL],
          name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: retryMs,
          timeout: 5_000,
        });
        if (closed) {
          await connection.close();
          break;
        }
        current = { connection, jetstream: jetstream(connection), manager: await jetstreamManager(connection) };
        up = true;
        void watch(connection);
        log.info({ servers: config.NATS_URL }, 'connected to NATS');
        cameUp();
        return current;
      } catch (error) {
        if (!reported) log.warn({ err: error, servers: config.NATS_URL }, 'NATS is not reachable; events wait in the outbox until it is');
        reported = true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
    throw new BusClosedError();
  })();
  // Nobody may be waiting yet; a bus closed before connecting is not an error for anyone.
  connecting.catch(() => undefined);

  const streamConfig = (source: string) => {
    const { name: stream, subjects } = streamOf(source, config.EVENTS_NAMESPACE);
    return {
      stream,
      settings: {
        subjects,
        max_age: nanos(config.EVENTS_STREAM_MAX_AGE_MS),
        duplicate_window: nanos(config.EVENTS_DUPLICATE_WINDOW_MS),
        num_replicas: config.EVENTS_STREAM_REPLICAS,
        discard: DiscardPolicy.Old,
      },
    };
  };

  const ensureStream = async (source: string): Promise<string> => {
    const { manager } = await connecting;
    const { stream, settings } = streamConfig(source);
    try {
      await manager.streams.add({ name: stream, retention: RetentionPolicy.Limits, storage: StorageType.File, ...settings });
    } catch (error) {
      // It exists with other settings (a changed retention, say): bring it to these.
      if (!(error instanceof JetStreamApiError) || error.code !== STREAM_CONFIG_MISMATCH) throw error;
      await manager.streams.update(stream, settings);
      log.info({ stream }, 'updated the stream settings');
    }
    return stream;
  };

  return {
    namespace: config.EVENTS_NAMESPACE,
    get connected() {
      return up && current !== undefined && !current.connection.isClosed();
    },
    ready: () => connecting,
    onUp: (listener) => {
      upListeners.add(listener);
      return () => upListeners.delete(listener);
    },
    ensureStream: (source) => {
      let pending = ensured.get(source);
      if (!pending) {
        pending = ensureStream(source);
        ensured.set(source, pending);
        pending.catch(() => ensured.delete(source));
      }
      return pending;
    },
    close: async () => {
      closed = true;
      wakeRetry?.();
      if (!current) return;
      const { connection } = current;
      // The relay and the consumers have stopped: only acks may still be buffered. Flush them while
      // connected, briefly — a server that is gone (npm start's nats-server gets the same Ctrl-C)
      // must not hold a shutdown for a reconnect; an ack lost then is a redelivery, which the
      // consumer's processed_event row makes harmless.
      if (up) await Promise.race([connection.flush().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CLOSE_FLUSH_MS).unref())]);
      if (!connection.isClosed()) await connection.close();
    },
  };
}
