import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '@emporium/kit/logger.js';
import { weakSecretReason } from './weak-secrets.js';

const SECRET_FILE = 'jwt-secret';

/**
 * 256 random bits as base64url. The weak-secret filter refuses about one random draw in millions
 * (one that happens to spell a word): draw again rather than ever write a secret the next start
 * would refuse.
 */
function drawSecret(): string {
  for (;;) {
    const candidate = randomBytes(32).toString('base64url');
    if (weakSecretReason(candidate) === undefined) return candidate;
  }
}

/**
 * The signing key: JWT_SECRET when set (several replicas must share it; config.ts has refused a
 * weak one); otherwise a random key generated on first start and kept in the data directory,
 * readable by this user only.
 */
export async function loadSigningKey(secret: string | undefined, dataDir: string, log: Logger): Promise<Uint8Array> {
  if (secret !== undefined) return new TextEncoder().encode(secret);
  const dir = resolve(dataDir);
  const file = join(dir, SECRET_FILE);
  await mkdir(dir, { recursive: true });
  try {
    // 'wx' fails if the file exists, so two gateways starting together keep one key.
    await writeFile(file, drawSecret(), { flag: 'wx', mode: 0o600 });
    log.info({ file }, 'generated a token signing secret');
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
  const stored = (await readFile(file, 'utf8')).trim();
  const weakness = weakSecretReason(stored);
  if (weakness !== undefined) throw new Error(`${file} holds no usable secret (${weakness}); delete it to generate a new one`);
  return new TextEncoder().encode(stored);
}
