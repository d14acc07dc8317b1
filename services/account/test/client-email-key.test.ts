import { describe, expect, it } from 'vitest';
import { emailKey } from '@emporium/account/client.js';
import { emailKey as repositoryEmailKey } from '../src/email-key.js';

/*
 * The e-mail key other packages count addresses by (the gateway's per-address login budget) is
 * the one this service stores accounts under, through the client, the only module they may import.
 */
describe('emailKey from @emporium/account/client.js', () => {
  it('is the key the repository stores accounts under', () => {
    expect(emailKey).toBe(repositoryEmailKey);
  });

  it('folds an address the way the account service matches it', () => {
    expect(emailKey(' Straße@Example.DE ')).toBe('strasse@example.de');
    expect(emailKey('STRASSE@example.de')).toBe('strasse@example.de');
    expect(emailKey('ΟΔΟΣ@example.com')).toBe('οδοσ@example.com');
    expect(emailKey('cafe\u0301@example.com')).toBe('caf\u00e9@example.com');
  });
});
