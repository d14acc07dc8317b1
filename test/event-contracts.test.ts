// Every event a service publishes, against its contract: each message of a service's
// proto/emporium/<service>/v1/events.proto has exactly one EventType in that service's events.js
// (and nothing else is one), named by the message's full proto name, sourced from that service,
// and carrying the aggregate's id and version, as every event must (CONVENTIONS.md, Events).
import { describe, expect, it } from 'vitest';
import * as accountContracts from '@emporium/contracts/emporium/account/v1/events.js';
import * as catalogContracts from '@emporium/contracts/emporium/catalog/v1/events.js';
import * as orderContracts from '@emporium/contracts/emporium/order/v1/events.js';
import * as accountEvents from '@emporium/account/events.js';
import * as catalogEvents from '@emporium/catalog/events.js';
import * as orderEvents from '@emporium/order/events.js';

interface Codec {
  encode(message: unknown): unknown;
  decode(bytes: Uint8Array): unknown;
}

interface AnyEventType {
  readonly typeName: string;
  readonly source: string;
  encode(message: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isCodec(value: unknown): value is Codec {
  return isRecord(value) && typeof value.encode === 'function' && typeof value.decode === 'function';
}

function isEventType(value: unknown): value is AnyEventType {
  return isCodec(value) && isRecord(value) && typeof value.typeName === 'string' && typeof value.source === 'string';
}

/** The top-level messages of a generated module (ts-proto names nested ones Outer_Inner). */
const messagesOf = (module: Record<string, unknown>) =>
  Object.entries(module)
    .filter(([name, value]) => !name.includes('_') && isCodec(value))
    .map(([name]) => name)
    .sort();

const services = [
  { service: 'account', aggregateId: 'accountId', contracts: accountContracts, events: accountEvents },
  { service: 'catalog', aggregateId: 'productId', contracts: catalogContracts, events: catalogEvents },
  { service: 'order', aggregateId: 'orderId', contracts: orderContracts, events: orderEvents },
];

describe.each(services)('the events of $service', ({ service, aggregateId, contracts, events }) => {
  const types = Object.values(events).filter(isEventType);

  it('define one EventType per message of its events.proto, by its full name', () => {
    const messages = messagesOf(contracts);
    expect(messages.length).toBeGreaterThan(0);
    expect(types.map((type) => type.typeName).sort()).toEqual(messages.map((name) => `emporium.${service}.v1.${name}`));
    expect(types.map((type) => type.source)).toEqual(types.map(() => service));
  });

  it(`carry the ${aggregateId} and version of the aggregate, and encode what they decode`, () => {
    for (const type of types) {
      const empty = type.decode(new Uint8Array(0));
      expect(empty, type.typeName).toHaveProperty(aggregateId);
      expect(empty, type.typeName).toHaveProperty('version');
      expect(type.decode(type.encode(empty))).toEqual(empty);
    }
  });
});
