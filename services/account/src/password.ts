import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { currentContext } from '@emporium/kit/context.js';
import { availableParallelism } from 'node:os';
import { assertCallerWaiting, HashGate, type CallLimits, type HashPriority } from './hash-gate.js';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

function optionsFor(logN: number, r: number, p: number): ScryptOptions {
  const N = 2 ** logN;
  // scrypt needs 128 * N * r bytes; leave headroom over Node's 32 MiB default.
  return { N, r, p, maxmem: 256 * N * r };
}

const FORMAT = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** The served call's cancellation and deadline, for the gate. */
function callLimits(): CallLimits {
  const call = currentContext();
  return { signal: call?.signal, deadline: call?.deadline };
}

const encode = (logN: number, salt: Buffer, key: Buffer) => `scrypt$ln=${logN},r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;

/**
 * Passwords hashed with scrypt (memory-hard). The stored string names its parameters, so raising
 * the cost later still verifies old hashes. Every hash goes through the gate (admission control),
 * for the call being served: a caller who has gone gets no hash.
 */
export class PasswordHasher {
  /**
   * Verified against when an email is unknown, so that case costs as much as a wrong password: a
   * random salt and a random key no password derives to, so making it costs no hash.
   */
  private readonly decoy: string;

  constructor(
    private readonly logN: number,
    // Outside the service (seeding, scripts): one hash per core, the rest wait.
    private readonly gate = new HashGate({ concurrency: availableParallelism(), maxQueued: Infinity, maxWaitMs: Infinity }),
  ) {
    this.decoy = encode(logN, randomBytes(SALT_LENGTH), randomBytes(KEY_LENGTH));
  }

  /**
   * Hashes a new password (a sign-up). Throws DEADLINE_EXCEEDED instead when the caller gave up
   * while it was hashed (a hash can outlast a deadline on a starved machine): its caller has been
   * told the call failed, so the account must not be created behind its back.
   */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await this.derive('signUp', password, salt, optionsFor(this.logN, 8, 1));
    assertCallerWaiting(callLimits(), 'while its password was hashed; nothing was saved');
    return encode(this.logN, salt, key);
  }

  /** Constant-time comparison; a malformed stored hash never matches (and costs no hash). */
  async verify(password: string, stored: string): Promise<boolean> {
    const match = FORMAT.exec(stored);
    if (!match) return false;
    const [, ln, r, p, salt, expected] = match;
    const expectedKey = Buffer.from(expected ?? '', 'base64');
    const key = await this.derive('logIn', password, Buffer.from(salt ?? '', 'base64'), optionsFor(Number(ln), Number(r), Number(p)));
    return key.length === expectedKey.length && timingSafeEqual(key, expectedKey);
  }

  /** Spends the same work as verify(), through the same gate, and answers false. */
  async verifyDecoy(password: string): Promise<false> {
    await this.verify(password, this.decoy);
    return false;
  }

  /**
   * Refuses now (RESOURCE_EXHAUSTED) if a hash for this kind of call would be refused, so a burst
   * is turned away before the database lookups that come before its hashes.
   */
  checkCapacity(priority: HashPriority): void {
    this.gate.check(priority, callLimits());
  }

  private derive(priority: HashPriority, password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
    return this.gate.run(priority, () => derive(password, salt, options), callLimits());
  }
}
