import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

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

/**
 * Passwords hashed with scrypt (memory-hard). The stored string names its parameters, so raising
 * the cost later still verifies old hashes.
 */
export class PasswordHasher {
  /** Verified against when an email is unknown, so that case costs as much as a wrong password. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly logN: number) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, optionsFor(this.logN, 8, 1));
    return `scrypt$ln=${this.logN},r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /** Constant-time comparison; a malformed stored hash never matches. */
  async verify(password: string, stored: string): Promise<boolean> {
    const match = FORMAT.exec(stored);
    if (!match) return false;
    const [, ln, r, p, salt, expected] = match;
    const expectedKey = Buffer.from(expected ?? '', 'base64');
    const key = await derive(password, Buffer.from(salt ?? '', 'base64'), optionsFor(Number(ln), Number(r), Number(p)));
    return key.length === expectedKey.length && timingSafeEqual(key, expectedKey);
  }

  /** Spends the same work as verify() and answers false. */
  async verifyDecoy(password: string): Promise<false> {
    // Made on first use rather than at start, where it would compete with start-up for the CPU.
    this.decoy ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(password, await this.decoy);
    return false;
  }
}
