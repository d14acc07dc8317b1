import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, currencyCode, dialHost, listenerConfigShape, parseConfig } from '../src/config.js';

describe('the config primitives every process shares', () => {
  it('a listener reads LOG_LEVEL, HOST, PORT and SHUTDOWN_TIMEOUT_MS with the same defaults', () => {
    const schema = z.object(listenerConfigShape({ port: 8080 }));
    expect(parseConfig(schema, {})).toEqual({ LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: 8080, SHUTDOWN_TIMEOUT_MS: 10_000 });
    const attempt = () => parseConfig(schema, { LOG_LEVEL: 'loud', PORT: '-1', SHUTDOWN_TIMEOUT_MS: '600001' });
    expect(attempt).toThrow(ConfigError);
    for (const variable of ['LOG_LEVEL', 'PORT', 'SHUTDOWN_TIMEOUT_MS']) expect(attempt).toThrow(variable);
  });

  it('a currency code is read case- and space-insensitively and must be one Intl knows', () => {
    const schema = z.object({ STORE_CURRENCY: currencyCode.default('USD') });
    expect(parseConfig(schema, {}).STORE_CURRENCY).toBe('USD');
    expect(parseConfig(schema, { STORE_CURRENCY: ' jpy ' }).STORE_CURRENCY).toBe('JPY');
    for (const STORE_CURRENCY of ['XYZ', 'US', 'dollars']) {
      expect(() => parseConfig(schema, { STORE_CURRENCY })).toThrow('STORE_CURRENCY: must be an ISO 4217 currency code such as USD');
    }
  });

  it('another process dials loopback for a wildcard listening address', () => {
    expect(dialHost('0.0.0.0')).toBe('127.0.0.1');
    expect(dialHost('::')).toBe('127.0.0.1');
    expect(dialHost('10.0.0.5')).toBe('10.0.0.5');
    expect(dialHost('catalog')).toBe('catalog');
  });
});
