import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseConfig, serviceConfigShape } from '../src/config.js';
import { DomainError } from '../src/errors.js';
import { decodePageToken, encodePageToken, parsePageSize } from '../src/pagination.js';
import { parseText } from '../src/text.js';

const schema = z.object(serviceConfigShape({ service: 'demo', port: 50099, metricsPort: 9499 }));

describe('parseConfig', () => {
  it('applies defaults, and treats empty variables as unset', () => {
    const config = parseConfig(schema, { PORT: '', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ PORT: 50099, HOST: '127.0.0.1', LOG_LEVEL: 'debug', DATA_DIR: '.data/demo' });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('reads METRICS_PORT as a port, 0 (pick one) or off', () => {
    expect(parseConfig(schema, {}).METRICS_PORT).toBe(9499);
    expect(parseConfig(schema, { METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
    expect(parseConfig(schema, { METRICS_PORT: 'off' }).METRICS_PORT).toBe('off');
    expect(() => parseConfig(schema, { METRICS_PORT: 'none' })).toThrow(/METRICS_PORT/);
    expect(() => parseConfig(schema, { METRICS_PORT: '-1' })).toThrow(/METRICS_PORT/);
  });

  it('names every bad variable in one error', () => {
    const attempt = () => parseConfig(schema, { PORT: '70000', LOG_LEVEL: 'loud', DATABASE_URL: 'http://x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const variable of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(message).toContain(variable);
    }
  });
});

describe('page tokens', () => {
  const key = z.object({ id: z.string() });

  it('round-trip within one query and are refused by another', () => {
    const token = encodePageToken({ query: 'lamp' }, { id: 'abc' });
    expect(decodePageToken(token, { query: 'lamp' }, key)).toEqual({ id: 'abc' });
    expect(() => decodePageToken(token, { query: 'desk' }, key)).toThrow(/page_token: belongs to a different query/);
    expect(decodePageToken('', { query: 'lamp' }, key)).toBeUndefined();
  });

  it('refuse anything malformed with INVALID_ARGUMENT', () => {
    const wrongKey = encodePageToken({ query: 'lamp' }, { nope: 1 });
    for (const token of ['%%%', 'abc', wrongKey, 'x'.repeat(5000)]) {
      expect(() => decodePageToken(token, { query: 'lamp' }, key)).toThrow(DomainError);
    }
  });

  it('size: 0 means 20, above 100 is capped, negative is refused', () => {
    expect([parsePageSize(0), parsePageSize(5), parsePageSize(1000)]).toEqual([20, 5, 100]);
    expect(() => parsePageSize(-1)).toThrow(/page_size/);
  });
});

describe('parseText', () => {
  it('normalizes, trims and counts characters, not UTF-16 units', () => {
    expect(parseText('  e\u0301t\u00e9 ', 'name', { min: 1, max: 4 })).toBe('\u00e9t\u00e9');
    expect(parseText('🙂'.repeat(3), 'name', { min: 1, max: 3 })).toBe('🙂🙂🙂');
    expect(() => parseText('🙂'.repeat(4), 'name', { min: 1, max: 3 })).toThrow(/name: must have at most 3/);
    expect(() => parseText('a\u0000b', 'name', { min: 1, max: 9 })).toThrow(/control/);
    expect(() => parseText('a\ud800', 'name', { min: 1, max: 9 })).toThrow(/Unicode/);
    expect(parseText('line\nbreak', 'description', { min: 0, max: 99, multiline: true })).toBe('line\nbreak');
  });
});
