import { describe, expect, it } from 'vitest';
import { retryWhileBusy } from '../src/busy.js';
import { invalidArgument, resourceExhausted } from '../src/errors.js';

describe('retryWhileBusy', () => {
  it('calls again after the wait a busy service asks for, until it answers', async () => {
    let calls = 0;
    const answer = await retryWhileBusy(() => {
      calls++;
      return calls < 3 ? Promise.reject(resourceExhausted('busy', 5)) : Promise.resolve('done');
    }, Date.now() + 10_000);
    expect(answer).toBe('done');
    expect(calls).toBe(3);
  });

  it('passes any other error through at once', async () => {
    let calls = 0;
    await expect(
      retryWhileBusy(() => {
        calls++;
        return Promise.reject(invalidArgument('email', 'is not valid'));
      }, Date.now() + 10_000),
    ).rejects.toMatchObject({ kind: 'INVALID_ARGUMENT' });
    expect(calls).toBe(1);
  });

  it('gives up with the refusal when the asked wait would pass the deadline', async () => {
    let calls = 0;
    await expect(
      retryWhileBusy(() => {
        calls++;
        return Promise.reject(resourceExhausted('busy', 60_000));
      }, Date.now() + 1_000),
    ).rejects.toMatchObject({ kind: 'RESOURCE_EXHAUSTED', retryAfterMs: 60_000 });
    expect(calls).toBe(1);
  });
});
