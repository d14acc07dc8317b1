import { describe, expect, it } from 'vitest';
import { parseConfig } from '@emporium/kit/config.js';
import { notificationConfigSchema } from '../src/config.js';
import { factOf, messageIdOf, type PlacedOrder, type Shop } from '../src/model.js';
import { retryDelayMs } from '../src/sender.js';
import { verdictOf } from '../src/smtp.js';
import { escapeHtml, formatMoney, renderCancellation, renderOrderConfirmation, renderWelcome } from '../src/templates.js';

const shop: Shop = { name: 'Emporium', url: 'https://shop.example', host: 'shop.example' };
const usd = (amountMinor: bigint) => ({ currencyCode: 'USD', amountMinor });
const order: PlacedOrder = {
  orderId: '0190a6d8-0000-7000-8000-000000000001',
  accountId: '0190a6d8-0000-7000-8000-000000000002',
  lines: [
    { productId: '0190a6d8-0000-7000-8000-000000000003', name: 'Dime candy', quantity: 3, unitPrice: usd(10n) },
    { productId: '0190a6d8-0000-7000-8000-000000000004', name: 'Book', quantity: 7, unitPrice: usd(1999n) },
  ],
  total: usd(14023n),
};

describe('mail templates', () => {
  it('formats money exactly in the currency’s own minor units, far beyond a float’s precision', () => {
    expect(formatMoney(usd(1999n))).toBe('$19.99');
    expect(formatMoney(usd(5n))).toBe('$0.05');
    expect(formatMoney({ currencyCode: 'JPY', amountMinor: 1999n })).toBe('¥1,999');
    // ICU puts a no-break space there (the exact space is its business, not ours).
    expect(formatMoney({ currencyCode: 'KWD', amountMinor: 1234n })).toMatch(/^KWD\s1\.234$/);
    expect(formatMoney(usd(5_000_000_000_000_000_001n))).toBe('$50,000,000,000,000,000.01');
  });

  it('renders the confirmation’s lines, quantities, unit prices and total from the order given', () => {
    const mail = renderOrderConfirmation(shop, { name: 'Ada', email: 'ada@example.com' }, order);
    expect(mail.subject).toBe(`Your Emporium order ${order.orderId}`);
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).toContain('  3 x Dime candy at $0.10: $0.30\n  7 x Book at $19.99: $139.93\n');
    expect(mail.text).toContain('Total: $140.23');
    expect(mail.text).toContain('https://shop.example/orders');
    expect(mail.html).toContain('<td style="padding: 4px 8px; border-bottom: 1px solid #ddd;">Book</td>');
    expect(mail.html).toContain('$139.93');
    expect(mail.html).toContain('$140.23');
    expect(mail.html).toContain('<a href="https://shop.example/orders">');
  });

  it('shows the total the event carries, not one of its own', () => {
    // The snapshot is the record of what was charged: the mail repeats it, it does not recompute it.
    const mail = renderOrderConfirmation(shop, { name: 'Ada', email: 'ada@example.com' }, { ...order, total: usd(99n) });
    expect(mail.text).toContain('Total: $0.99');
  });

  it('escapes everything interpolated into HTML, and keeps subjects to one line', () => {
    const hostile = '<script>alert("x")</script> & \'Co\'';
    const welcome = renderWelcome({ ...shop, name: 'A & B <Shop>' }, { accountId: order.accountId, name: hostile, email: 'o"brien@example.com' });
    expect(welcome.html).not.toContain('<script>');
    expect(welcome.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;');
    expect(welcome.html).toContain('A &amp; B &lt;Shop&gt;');
    expect(welcome.html).toContain('o&quot;brien@example.com');
    expect(welcome.text).toContain(`Hello ${hostile},`);
    const confirmation = renderOrderConfirmation(shop, { name: 'Ada', email: 'ada@example.com' }, {
      ...order,
      lines: [{ ...order.lines[0], productId: order.orderId, name: '<img src=x onerror=alert(1)>', quantity: 1, unitPrice: usd(1n) }],
    });
    expect(confirmation.html).not.toContain('<img');
    expect(confirmation.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const cancellation = renderCancellation({ ...shop, name: 'Evil\r\nBcc: victim@example.com' }, { name: 'Ada', email: 'ada@example.com' }, order);
    expect(cancellation.subject).toBe(`Your Evil Bcc: victim@example.com order ${order.orderId} is cancelled`);
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('names facts and Message-IDs after the business fact alone', () => {
    expect(factOf('order-confirmed', order.orderId)).toBe(`order-confirmed:${order.orderId}`);
    expect(messageIdOf('order-confirmed', order.orderId, 'shop.example')).toBe(`<order-confirmed.${order.orderId}@shop.example>`);
  });
});

describe('SMTP failures', () => {
  it('are permanent for 5xx replies (but 503 and refused credentials), temporary otherwise', () => {
    const smtpError = (responseCode: number | undefined, code = 'EENVELOPE') =>
      Object.assign(new Error('refused'), { responseCode, code, response: `${responseCode} refused` });
    expect(verdictOf(smtpError(550))).toEqual({ kind: 'permanent', error: '550 refused' });
    expect(verdictOf(smtpError(554, 'EMESSAGE')).kind).toBe('permanent');
    expect(verdictOf(smtpError(421)).kind).toBe('temporary');
    expect(verdictOf(smtpError(451, 'EMESSAGE')).kind).toBe('temporary');
    expect(verdictOf(smtpError(503)).kind).toBe('temporary');
    expect(verdictOf(smtpError(535, 'EAUTH')).kind).toBe('temporary');
    expect(verdictOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ESOCKET' }))).toEqual({
      kind: 'temporary',
      error: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:1',
    });
    expect(verdictOf('weird').kind).toBe('temporary');
  });

  it('are retried after exponentially growing waits, capped', () => {
    const delays = [1, 2, 3, 4, 10, 60].map((attempt) => retryDelayMs(attempt, 1_000, 30_000));
    const within = (value: number | undefined, nominal: number) => value !== undefined && value >= nominal * 0.8 && value <= nominal * 1.2;
    expect(within(delays[0], 1_000) && within(delays[1], 2_000) && within(delays[2], 4_000) && within(delays[3], 8_000)).toBe(true);
    expect(delays[4]).toBeLessThanOrEqual(30_000);
    expect(delays[5]).toBeLessThanOrEqual(30_000);
    expect(delays[5]).toBeGreaterThanOrEqual(24_000);
  });
});

describe('configuration', () => {
  it('has defaults that work on a fresh machine', () => {
    const config = parseConfig(notificationConfigSchema, {});
    expect(config).toMatchObject({
      PORT: 50054,
      METRICS_PORT: 9454,
      ACCOUNT_ADDRESS: '127.0.0.1:50051',
      SMTP_URL: 'smtp://127.0.0.1:1025',
      SHOP_NAME: 'Emporium',
      SHOP_URL: 'http://127.0.0.1:8080',
    });
  });

  it('refuses what cannot work, naming the variable', () => {
    expect(() => parseConfig(notificationConfigSchema, { SMTP_URL: 'http://mail' })).toThrow(/SMTP_URL/);
    expect(() => parseConfig(notificationConfigSchema, { SMTP_USER: 'me' })).toThrow(/SMTP_PASSWORD/);
    expect(() => parseConfig(notificationConfigSchema, { MAIL_FROM: 'Shop <shop@example.com>' })).toThrow(/MAIL_FROM/);
    expect(() => parseConfig(notificationConfigSchema, { SMTP_TIMEOUT_MS: '30000', MAIL_LEASE_MS: '60000' })).toThrow(/MAIL_LEASE_MS/);
    expect(parseConfig(notificationConfigSchema, { SHOP_URL: 'https://shop.example/' }).SHOP_URL).toBe('https://shop.example');
  });
});
