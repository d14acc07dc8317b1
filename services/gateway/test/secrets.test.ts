import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@emporium/kit/config.js';
import { gatewayConfigSchema } from '../src/config.js';
import { weakAdminPasswordReason, weakSecretReason } from '../src/auth/weak-secrets.js';

/*
 * The gateway refuses at start the secrets that would ship by mistake: the published examples
 * and weak values, naming the variable (loadConfig prints the message and exits 1).
 */

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ADMIN = { ADMIN_EMAIL: 'admin@example.com' };

/** Every value deploy/.env.example sets. */
const exampleValues = readFileSync(join(ROOT, 'deploy', '.env.example'), 'utf8')
  .split('\n')
  .map((line) => /^[A-Z_]+=(.+)$/.exec(line.trim())?.[1])
  .filter((value): value is string => value !== undefined);

const refusal = (env: Record<string, string>) => {
  try {
    parseConfig(gatewayConfigSchema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
};

describe('JWT_SECRET', () => {
  it("refuses every value of deploy/.env.example and the README's old examples, naming the variable", () => {
    expect(exampleValues.length).toBeGreaterThanOrEqual(7);
    for (const value of [...exampleValues, 'change-me-to-64-hex-characters-from-openssl-rand-hex-32']) {
      expect(refusal({ JWT_SECRET: value }), value).toMatch(/^invalid configuration:\n.*JWT_SECRET: /);
    }
  });

  it.each([
    ['short', randomBytes(16).toString('base64'), /at least 32 random bytes/],
    ['repeated character', 'x'.repeat(64), /at least 32 random bytes|pattern|distinct/],
    ['repeated pattern', '0123456789abcdef'.repeat(4), /pattern/],
    ['few distinct characters', 'abababababababababababababababababababababababababababababababcd', /distinct/],
    ['one letter case', randomBytes(32).toString('base64').toLowerCase().replace(/[^a-z0-9]/g, 'q') + 'qq', /one case/],
    ['a word', `${randomBytes(32).toString('base64url')}Secret`, /the word "Secret"|the word "secret"/i],
    ['not base64 or hex', 'this is a long sentence with spaces in it, fifty chars', /at least 32 random bytes/],
  ])('refuses a %s', (_name, value, reason) => {
    expect(weakSecretReason(value)).toMatch(reason);
  });

  it('accepts what openssl rand -base64 32, openssl rand -hex 32 and base64url of 32 bytes print', () => {
    for (let i = 0; i < 2000; i++) {
      for (const value of [randomBytes(32).toString('base64'), randomBytes(32).toString('hex'), randomBytes(48).toString('base64url')]) {
        expect(weakSecretReason(value), value).toBeUndefined();
      }
    }
    expect(parseConfig(gatewayConfigSchema, { JWT_SECRET: randomBytes(32).toString('base64') }).JWT_SECRET).toBeDefined();
  });
});

describe('ADMIN_PASSWORD', () => {
  it('refuses every value of deploy/.env.example and weak ones, naming the variable', () => {
    for (const value of [...exampleValues, 'a long admin password', 'admin password 1', 'admin123456789', 'qwertyqwertyqwerty', 'aaaaaaaaaaaaaaaa', 'short1!']) {
      expect(refusal({ ...ADMIN, ADMIN_PASSWORD: value }), value).toMatch(/ADMIN_PASSWORD: /);
    }
  });

  it('accepts a random password and a long passphrase', () => {
    expect(weakAdminPasswordReason(randomBytes(18).toString('base64'))).toBeUndefined();
    expect(weakAdminPasswordReason('violet teapot orbit 42')).toBeUndefined();
  });
});

describe('token lifetimes', () => {
  it('default to 15 minutes (access) and 30 days (refresh)', () => {
    const config = parseConfig(gatewayConfigSchema, {});
    expect(config.ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.REFRESH_TOKEN_TTL_SECONDS).toBe(30 * 24 * 3600);
  });

  it('still read TOKEN_TTL_SECONDS, the old name, and refuse it when it contradicts ACCESS_TOKEN_TTL_SECONDS', () => {
    expect(parseConfig(gatewayConfigSchema, { TOKEN_TTL_SECONDS: '600' }).ACCESS_TOKEN_TTL_SECONDS).toBe(600);
    expect(parseConfig(gatewayConfigSchema, { TOKEN_TTL_SECONDS: '600', ACCESS_TOKEN_TTL_SECONDS: '600' }).ACCESS_TOKEN_TTL_SECONDS).toBe(600);
    expect(refusal({ TOKEN_TTL_SECONDS: '600', ACCESS_TOKEN_TTL_SECONDS: '300' })).toMatch(/TOKEN_TTL_SECONDS: .*old name/);
    // A day at most: revocations are remembered that long.
    expect(refusal({ ACCESS_TOKEN_TTL_SECONDS: String(30 * 24 * 3600) })).toMatch(/ACCESS_TOKEN_TTL_SECONDS/);
  });
});
