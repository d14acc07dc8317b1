import type { Logger } from '@emporium/kit/logger.js';
import { inRootSpan } from '@emporium/kit/tracing.js';
import { mailDelivery } from './metrics.js';
import type { DeliveryResult, MailTransport, OutgoingMail } from './model.js';
import type { MailRepository } from './repository.js';

export interface SenderOptions {
  /** Pause between passes when nothing wakes the sender. */
  readonly pollIntervalMs: number;
  /** Mails claimed per pass. */
  readonly batchSize: number;
  /** How long a claimed mail stays this sender's before another replica may take it over. */
  readonly leaseMs: number;
  /** Wait before the first retry; doubled after each temporary failure, up to retryMaxMs. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** Attempts before a mail that keeps failing temporarily is recorded FAILED. */
  readonly maxAttempts: number;
}

export interface MailSender {
  /** A mail was queued (its transaction committed): look for due mails now. */
  wake(): void;
  /** Waits for a pass in progress, then stops and closes the SMTP connections. */
  stop(): Promise<void>;
}

/** The wait before the attempt after `attempt` failed: exponential, capped, with ±20% jitter so retries after an outage spread. */
export function retryDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  const exponential = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(Math.min(maxMs, exponential * (0.8 + 0.4 * Math.random())));
}

/**
 * Delivers queued mails over SMTP: claims due mails (FOR UPDATE SKIP LOCKED, under a lease, so two
 * replicas never hold the same mail), delivers them, and records each outcome: SENT, PENDING again
 * after a backoff (a temporary failure), or FAILED (a permanent one, or the attempts spent).
 */
export function startSender(mails: MailRepository, transport: MailTransport, options: SenderOptions, log: Logger): MailSender {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  // The first pass runs at once: mails left PENDING by a previous run are due.
  let again = true;

  const record = async (mail: OutgoingMail, result: DeliveryResult): Promise<void> => {
    switch (result.kind) {
      case 'sent':
        await mails.markSent(mail.id, mail.attempt);
        return;
      case 'permanent':
        log.warn({ mail: mail.id, fact: mail.fact, error: result.error }, 'mail refused for good');
        await mails.markFailed(mail.id, mail.attempt, result.error);
        return;
      case 'temporary': {
        if (mail.attempt >= options.maxAttempts) {
          log.warn({ mail: mail.id, fact: mail.fact, error: result.error, attempts: mail.attempt }, 'mail given up after its last attempt');
          await mails.markFailed(mail.id, mail.attempt, `${result.error} (gave up after ${mail.attempt} attempts)`);
          return;
        }
        const delayMs = retryDelayMs(mail.attempt, options.retryInitialMs, options.retryMaxMs);
        log.info({ mail: mail.id, fact: mail.fact, error: result.error, attempt: mail.attempt, delayMs }, 'mail delivery failed, will retry');
        await mails.markRetry(mail.id, mail.attempt, result.error, delayMs);
        return;
      }
    }
  };

  /**
   * Records an outcome, trying again while the database is away: a mail the SMTP server accepted
   * and that is not recorded SENT would be sent again once its lease runs out. Gives up only when
   * the sender stops (the lease then decides: at worst a second copy, under the same Message-ID).
   */
  const recordPersistently = async (mail: OutgoingMail, result: DeliveryResult): Promise<void> => {
    for (let wait = 100; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        await record(mail, result);
        return;
      } catch (error) {
        log.error({ err: error, mail: mail.id, outcome: result.kind }, 'could not record a delivery outcome; trying again');
        if (stopped) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };

  const deliver = (mail: OutgoingMail): Promise<void> =>
    inRootSpan('notification.deliver', async (span) => {
      span.setAttributes({ 'emporium.mail.fact': mail.fact, 'emporium.mail.attempt': mail.attempt });
      const started = performance.now();
      const result = await transport.deliver(mail);
      const outcome = result.kind === 'sent' ? 'sent' : result.kind === 'permanent' || mail.attempt >= options.maxAttempts ? 'failed' : 'retry';
      mailDelivery(outcome, (performance.now() - started) / 1000);
      await recordPersistently(mail, result);
    });

  /** Claims and delivers batches until one comes back short. */
  const pass = async (): Promise<void> => {
    for (;;) {
      const batch = await mails.claimDue(options.batchSize, options.leaseMs);
      await Promise.all(batch.map(deliver));
      if (batch.length < options.batchSize || stopped) return;
    }
  };

  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    // Woken while a pass ran: another pass at once, the mail may have come too late for that one.
    const delay = again ? 0 : options.pollIntervalMs;
    again = false;
    timer = setTimeout(run, delay);
  };

  function run(): void {
    if (stopped || running) return;
    running = pass()
      .catch((error: unknown) => {
        log.warn({ err: error }, 'mail sender pass failed');
      })
      .finally(() => {
        running = undefined;
        schedule();
      });
  }

  schedule();
  return {
    wake: () => {
      if (stopped) return;
      again = true;
      if (!running) schedule();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      transport.close();
    },
  };
}
