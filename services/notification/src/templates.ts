import { formatDecimal, multiply, type Money } from '@emporium/kit/money.js';
import type { CancelledOrder, CreatedAccount, PlacedOrder, Recipient, RenderedMail, Shop } from './model.js';

// What each mail says, as plain text and as HTML. Everything interpolated into HTML goes through
// escapeHtml: names come from customers and products from administrators, both free text.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

const isDecimal = (value: string): value is `${number}` => /^-?\d+(\.\d+)?$/.test(value);

/** "$19.99" for 1999 USD: exact (Intl formats the decimal string, never a float) in the currency's own format. */
export function formatMoney(money: Money): string {
  const decimal = formatDecimal(money);
  if (!isDecimal(decimal)) throw new Error(`not a decimal: ${decimal}`);
  return new Intl.NumberFormat('en', { style: 'currency', currency: money.currencyCode }).format(decimal);
}

/** Subjects and headers are one line: a name with a line break in it must not start another. */
function oneLine(value: string): string {
  return value.replace(/[\r\n\t]+/g, ' ').trim();
}

function page(shop: Shop, title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><title>' + escapeHtml(title) + '</title></head>',
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222;">',
    body,
    `<p style="color: #666; font-size: 0.9em;"><a href="${escapeHtml(shop.url)}/">${escapeHtml(shop.name)}</a></p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function signature(shop: Shop): string {
  return `${shop.name}\n${shop.url}/\n`;
}

export function renderWelcome(shop: Shop, account: CreatedAccount): RenderedMail {
  const subject = oneLine(`Welcome to ${shop.name}`);
  const text = [
    `Hello ${account.name},`,
    '',
    `welcome to ${shop.name}. Your account for ${account.email} is ready.`,
    '',
    `Start shopping: ${shop.url}/`,
    '',
    signature(shop),
  ].join('\n');
  const html = page(
    shop,
    subject,
    [
      `<p>Hello ${escapeHtml(account.name)},</p>`,
      `<p>welcome to ${escapeHtml(shop.name)}. Your account for ${escapeHtml(account.email)} is ready.</p>`,
      `<p><a href="${escapeHtml(shop.url)}/">Start shopping</a></p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}

export function renderOrderConfirmation(shop: Shop, recipient: Recipient, order: PlacedOrder): RenderedMail {
  const subject = oneLine(`Your ${shop.name} order ${order.orderId}`);
  const lines = order.lines.map((line) => ({
    name: line.name,
    quantity: line.quantity,
    unitPrice: formatMoney(line.unitPrice),
    subtotal: formatMoney(multiply(line.unitPrice, line.quantity)),
  }));
  const total = formatMoney(order.total);
  const text = [
    `Hello ${recipient.name},`,
    '',
    `thank you for your order at ${shop.name}. It is placed: order ${order.orderId}.`,
    '',
    ...lines.map((line) => `  ${line.quantity} x ${line.name} at ${line.unitPrice}: ${line.subtotal}`),
    '',
    `Total: ${total}`,
    '',
    `Your orders: ${shop.url}/orders`,
    '',
    signature(shop),
  ].join('\n');
  const cell = 'style="padding: 4px 8px; border-bottom: 1px solid #ddd;"';
  const number = 'style="padding: 4px 8px; border-bottom: 1px solid #ddd; text-align: right;"';
  const html = page(
    shop,
    subject,
    [
      `<p>Hello ${escapeHtml(recipient.name)},</p>`,
      `<p>thank you for your order at ${escapeHtml(shop.name)}. It is placed: order <code>${escapeHtml(order.orderId)}</code>.</p>`,
      '<table style="border-collapse: collapse;">',
      `<thead><tr><th ${cell}>Product</th><th ${number}>Quantity</th><th ${number}>Unit price</th><th ${number}>Subtotal</th></tr></thead>`,
      '<tbody>',
      ...lines.map(
        (line) =>
          `<tr><td ${cell}>${escapeHtml(line.name)}</td><td ${number}>${line.quantity}</td>` +
          `<td ${number}>${escapeHtml(line.unitPrice)}</td><td ${number}>${escapeHtml(line.subtotal)}</td></tr>`,
      ),
      '</tbody>',
      `<tfoot><tr><th ${cell} colspan="3">Total</th><th ${number}>${escapeHtml(total)}</th></tr></tfoot>`,
      '</table>',
      `<p><a href="${escapeHtml(shop.url)}/orders">Your orders</a></p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}

export function renderCancellation(shop: Shop, recipient: Recipient, order: CancelledOrder): RenderedMail {
  const subject = oneLine(`Your ${shop.name} order ${order.orderId} is cancelled`);
  const text = [
    `Hello ${recipient.name},`,
    '',
    `your order ${order.orderId} at ${shop.name} is cancelled.`,
    '',
    `Your orders: ${shop.url}/orders`,
    '',
    signature(shop),
  ].join('\n');
  const html = page(
    shop,
    subject,
    [
      `<p>Hello ${escapeHtml(recipient.name)},</p>`,
      `<p>your order <code>${escapeHtml(order.orderId)}</code> at ${escapeHtml(shop.name)} is cancelled.</p>`,
      `<p><a href="${escapeHtml(shop.url)}/orders">Your orders</a></p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}
