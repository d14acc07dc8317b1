import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ReleaseOutcome,
  type CreateProductRequest,
  type Product,
  type ReservationLine,
} from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { ConfigError, parseConfig } from '@emporium/kit/config.js';
import { DomainError } from '@emporium/kit/errors.js';
import { checkHealth } from '@emporium/kit/grpc-health.js';
import { newId } from '@emporium/kit/ids.js';
import { createLogger } from '@emporium/kit/logger.js';
import type { RunningService } from '@emporium/kit/start-service.js';
import { testEngines } from '@emporium/testkit/databases.js';
import { expectError } from '@emporium/testkit/errors.js';
import { expectStableWalk } from '@emporium/testkit/paging.js';
import { listServicesByReflection } from '@emporium/testkit/reflection.js';
import { createCatalogClient, shortagesOf, type CatalogClient } from '../src/client.js';
import { catalogConfigSchema } from '../src/config.js';
import { startCatalogService } from '../src/main.js';
import type { CatalogDatabase } from '../src/tables.js';

const log = createLogger('catalog-test', 'silent');

/** A word no other test uses, so searches see only the products a test made. */
function uniqueWord(): string {
  return [...randomBytes(10)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('');
}

function idOf(product: Product | undefined): string {
  if (product === undefined) throw new Error('the response carried no product');
  return product.id;
}

const usd = (amountMinor: string) => ({ currencyCode: 'USD', amountMinor });
const UNKNOWN_ID = '0190a6d8-0000-7000-8000-0000000000ff';

const engines = testEngines('catalog');

describe('catalog configuration', () => {
  it('defaults to port 50052 and USD, and refuses a currency that is not ISO 4217', () => {
    const config = parseConfig(catalogConfigSchema, {});
    expect(config).toMatchObject({ PORT: 50052, STORE_CURRENCY: 'USD', DATA_DIR: '.data/catalog' });
    expect(parseConfig(catalogConfigSchema, { STORE_CURRENCY: 'eur' }).STORE_CURRENCY).toBe('EUR');
    for (const STORE_CURRENCY of ['XYZ', 'US', 'dollars']) {
      expect(() => parseConfig(catalogConfigSchema, { STORE_CURRENCY })).toThrow(ConfigError);
      expect(() => parseConfig(catalogConfigSchema, { STORE_CURRENCY })).toThrow(/STORE_CURRENCY/);
    }
  });
});

describe.each(engines)('catalog service on $name', (engine) => {
  let service: RunningService<CatalogDatabase>;
  let client: CatalogClient;
  let cleanup: () => Promise<unknown>;

  beforeAll(async () => {
    const setup = await engine.setup();
    cleanup = setup.cleanup;
    const config = parseConfig(catalogConfigSchema, { PORT: '0', ...setup.env });
    service = await startCatalogService(config, log);
    // Generous: the concurrency tests queue hundreds of calls behind one product row.
    client = createCatalogClient(service.address, { deadlineMs: 60_000 });
  });

  afterAll(async () => {
    client.close();
    await service.stop();
    await cleanup();
  });

  const create = async (overrides: Partial<CreateProductRequest> = {}): Promise<Product> => {
    const { product } = await client.createProduct({
      name: 'Plain mug',
      description: 'Holds coffee.',
      price: usd('1299'),
      stock: 10,
      ...overrides,
    });
    if (product === undefined) throw new Error('CreateProduct answered no product');
    return product;
  };
  const stockOf = async (id: string) => (await client.getProduct({ id })).product?.stock;
  const totalProducts = async () => (await client.listProducts({ pageSize: 1, pageToken: '', query: '' })).totalSize;
  const searchAll = async (query: string, pageSize = 100): Promise<Product[]> => {
    const found: Product[] = [];
    let pageToken = '';
    do {
      const page = await client.listProducts({ pageSize, pageToken, query });
      found.push(...page.products);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return found;
  };
  const reserve = (reservationId: string, lines: ReservationLine[]) => client.reserveStock({ reservationId, lines });

  it('plans every database session with random_page_cost 1.1, so common-word searches use the index', async () => {
    // Transactions held open side by side, so that the pool (PostgreSQL) opens several sessions.
    const sessions = await Promise.all(
      Array.from({ length: 3 }, () =>
        service.database.db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ cost: string; pid: number }>`select current_setting('random_page_cost') as cost, pg_backend_pid() as pid, pg_sleep(0.2)`.execute(trx);
          return rows[0];
        }),
      ),
    );
    expect(sessions.map((session) => session?.cost)).toEqual(['1.1', '1.1', '1.1']);
    if (service.database.engine === 'postgres') expect(new Set(sessions.map((session) => session?.pid)).size).toBe(3);
  });

  it('reports SERVING on grpc.health.v1 and lists its service over reflection', async () => {
    expect(await checkHealth(service.address)).toBe('SERVING');
    expect(await checkHealth(service.address, 'emporium.catalog.v1.CatalogService')).toBe('SERVING');
    const services = await listServicesByReflection(service.address);
    expect(services).toContain('emporium.catalog.v1.CatalogService');
    expect(services).toContain('grpc.health.v1.Health');
  });

  describe('CreateProduct and GetProduct', () => {
    it('creates a product with a UUIDv7, exact price and timestamps, and reads it back', async () => {
      const product = await create({
        name: '  Walnut desk ',
        description: 'Solid walnut.\nOiled by hand.',
        price: usd('99999999999999'),
        stock: 3,
      });
      expect(product).toMatchObject({
        name: 'Walnut desk',
        description: 'Solid walnut.\nOiled by hand.',
        price: usd('99999999999999'),
        stock: 3,
      });
      expect(product.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(product.createTime).toBeInstanceOf(Date);
      expect(product.updateTime).toEqual(product.createTime);
      expect((await client.getProduct({ id: product.id })).product).toEqual(product);
      expect((await client.getProduct({ id: product.id.toUpperCase() })).product).toEqual(product);
    });

    it('accepts free products, empty descriptions, zero stock and names in any script counted in characters', async () => {
      expect(await create({ price: usd('0'), description: '', stock: 0 })).toMatchObject({ price: usd('0'), stock: 0 });
      for (const name of ['山田の急須', 'Ωμέγα ρολόι', 'قهوة عربية', 'हिन्दी पुस्तक', '👩🏽‍💻'.repeat(50), 'x'.repeat(200)]) {
        expect((await create({ name })).name).toBe(name);
      }
      expect((await create({ description: 'é'.repeat(5000) })).description).toHaveLength(5000);
    });

    it.each([
      ['name', { name: '' }],
      ['name', { name: '   ' }],
      ['name', { name: 'x'.repeat(201) }],
      ['name', { name: 'tab\there' }],
      ['name', { name: 'nul\u0000byte' }],
      ['description', { description: 'x'.repeat(5001) }],
      ['description', { description: 'bell\u0007' }],
      ['price', { price: undefined }],
      ['price.currency_code', { price: { currencyCode: 'EUR', amountMinor: '100' } }],
      ['price.currency_code', { price: { currencyCode: 'usd', amountMinor: '100' } }],
      ['price.currency_code', { price: { currencyCode: '', amountMinor: '100' } }],
      ['price.amount_minor', { price: usd('-1') }],
      ['price.amount_minor', { price: usd('-9223372036854775808') }],
      ['price.amount_minor', { price: usd('100000000000001') }],
      ['price.amount_minor', { price: usd('9223372036854775807') }],
      ['stock', { stock: -1 }],
      ['stock', { stock: 1_000_000_001 }],
    ])('rejects a bad %s with INVALID_ARGUMENT naming it, and writes nothing', async (field, overrides) => {
      const before = await totalProducts();
      await expectError(create(overrides), 'INVALID_ARGUMENT', field);
      expect(await totalProducts()).toBe(before);
    });

    it('answers NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed or missing one', async () => {
      await expectError(client.getProduct({ id: UNKNOWN_ID }), 'NOT_FOUND', 'id');
      await expectError(client.getProduct({ id: 'not-a-uuid' }), 'INVALID_ARGUMENT', 'id');
      await expectError(client.getProduct({ id: '' }), 'INVALID_ARGUMENT', 'id');
    });
  });

  describe('UpdateProduct', () => {
    it('changes only the fields given and moves update_time, never create_time', async () => {
      const original = await create({ name: 'Teapot', description: 'Cast iron.', price: usd('4500'), stock: 7 });
      const renamed = (await client.updateProduct({ id: original.id, name: ' Iron teapot ', price: undefined })).product;
      expect(renamed).toMatchObject({ name: 'Iron teapot', description: 'Cast iron.', price: usd('4500'), stock: 7 });
      expect(renamed?.createTime).toEqual(original.createTime);
      expect(renamed?.updateTime?.getTime()).toBeGreaterThanOrEqual(original.updateTime?.getTime() ?? Infinity);

      const repriced = (await client.updateProduct({ id: original.id, price: usd('3999'), stock: 0, description: '' })).product;
      expect(repriced).toMatchObject({ name: 'Iron teapot', description: '', price: usd('3999'), stock: 0 });
      expect((await client.getProduct({ id: original.id })).product).toEqual(repriced);
    });

    it('returns the product unchanged when no field is given', async () => {
      const product = await create();
      expect((await client.updateProduct({ id: product.id, price: undefined })).product).toEqual(product);
    });

    it('keeps the search index in step with the name and description', async () => {
      const before = uniqueWord();
      const after = uniqueWord();
      const product = await create({ name: `Lamp ${before}` });
      expect((await searchAll(before)).map((p) => p.id)).toEqual([product.id]);
      await client.updateProduct({ id: product.id, name: `Lamp ${after}`, price: undefined });
      expect(await searchAll(before)).toEqual([]);
      expect((await searchAll(after)).map((p) => p.id)).toEqual([product.id]);
    });

    it.each([
      ['name', { name: '' }],
      ['name', { name: 'y'.repeat(201) }],
      ['description', { description: 'z'.repeat(5001) }],
      ['price.currency_code', { price: { currencyCode: 'GBP', amountMinor: '1' } }],
      ['price.amount_minor', { price: usd('-5') }],
      ['price.amount_minor', { price: usd('100000000000001') }],
      ['stock', { stock: -3 }],
    ])('rejects a bad %s with INVALID_ARGUMENT naming it, and changes nothing', async (field, changes) => {
      const product = await create();
      await expectError(client.updateProduct({ id: product.id, price: undefined, ...changes }), 'INVALID_ARGUMENT', field);
      expect((await client.getProduct({ id: product.id })).product).toEqual(product);
    });

    it('answers NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed one', async () => {
      await expectError(client.updateProduct({ id: UNKNOWN_ID, name: 'Ghost', price: undefined }), 'NOT_FOUND', 'id');
      await expectError(client.updateProduct({ id: 'nope', name: 'Ghost', price: undefined }), 'INVALID_ARGUMENT', 'id');
    });
  });

  describe('BatchGetProducts', () => {
    it('answers in the order asked, repeats duplicates and lists unknown ids', async () => {
      const a = await create({ name: 'First' });
      const b = await create({ name: 'Second' });
      const { products, notFoundIds } = await client.batchGetProducts({ ids: [b.id, UNKNOWN_ID, a.id, b.id.toUpperCase(), UNKNOWN_ID] });
      expect(products.map((p) => p.id)).toEqual([b.id, a.id, b.id]);
      expect(products[1]).toEqual(a);
      expect(notFoundIds).toEqual([UNKNOWN_ID]);
      expect(await client.batchGetProducts({ ids: [] })).toEqual({ products: [], notFoundIds: [] });
    });

    it('refuses more than 100 ids and malformed ids, naming the entry', async () => {
      const product = await create();
      expect((await client.batchGetProducts({ ids: Array.from({ length: 100 }, () => product.id) })).products).toHaveLength(100);
      await expectError(client.batchGetProducts({ ids: Array.from({ length: 101 }, () => product.id) }), 'INVALID_ARGUMENT', 'ids');
      await expectError(client.batchGetProducts({ ids: [product.id, 'nope'] }), 'INVALID_ARGUMENT', 'ids[1]');
    });
  });

  describe('ListProducts without a query', () => {
    it('walks every page newest first with no duplicates or gaps while products are being created', async () => {
      for (let i = 0; i < 15; i++) await create();
      const existing = new Set((await searchAll('', 100)).map((p) => p.id));
      const page = async (pageSize: number, pageToken: string) => {
        const { products, nextPageToken } = await client.listProducts({ pageSize, pageToken, query: '' });
        return { ids: products.map((p) => p.id), nextPageToken };
      };
      await expectStableWalk(page, existing, create);
    });

    it('reports the total, defaults to 20, caps at 100', async () => {
      while ((await totalProducts()) < 101) await Promise.all(Array.from({ length: 10 }, () => create()));
      const first = await client.listProducts({ pageSize: 0, pageToken: '', query: '' });
      expect(first.products).toHaveLength(20);
      expect(first.totalSize).toBeGreaterThanOrEqual(101);
      expect((await client.listProducts({ pageSize: 1000, pageToken: '', query: '   ' })).products).toHaveLength(100);
    });

    it('refuses a negative page size and malformed page tokens', async () => {
      await expectError(client.listProducts({ pageSize: -1, pageToken: '', query: '' }), 'INVALID_ARGUMENT', 'page_size');
      const forged = Buffer.from('{"v":1,"q":"x","k":{"id":"1"}}').toString('base64url');
      for (const pageToken of ['garbage!', 'eyJ2IjoxfQ', forged, "'; drop table product; --", 'a'.repeat(5000)]) {
        await expectError(client.listProducts({ pageSize: 5, pageToken, query: '' }), 'INVALID_ARGUMENT', 'page_token');
        await expectError(client.listProducts({ pageSize: 5, pageToken, query: 'mug' }), 'INVALID_ARGUMENT', 'page_token');
      }
    });
  });

  describe('ListProducts with a query', () => {
    it('ranks name matches above description matches, however often the description repeats the word', async () => {
      const word = uniqueWord();
      const inName = await create({ name: `Chair ${word}`, description: 'Oak.' });
      const inDescription = await create({ name: 'Stool', description: `Pairs well with the ${word} chair.` });
      const spammy = await create({ name: 'Bench', description: `${word} `.repeat(200) });
      const inBoth = await create({ name: `Sofa ${word}`, description: `The ${word} sofa.` });
      const found = await searchAll(word);
      expect(found.map((p) => p.id).slice(0, 2).sort()).toEqual([inName.id, inBoth.id].sort());
      expect(found.map((p) => p.id).slice(2).sort()).toEqual([inDescription.id, spammy.id].sort());
      const page = await client.listProducts({ pageSize: 1, pageToken: '', query: word.toUpperCase() });
      expect(page.totalSize).toBe(4);
    });

    it('matches the word being typed as a prefix, in any script and case', async () => {
      const word = uniqueWord();
      const laptop = await create({ name: `Gaming laptop ${word}`, description: 'Fast.' });
      const kettle = await create({ name: `Чайник ${word}`, description: 'Электрический.' });
      const teapot = await create({ name: `急須セット ${word}`, description: '' });
      const ids = async (query: string) => (await searchAll(query)).map((p) => p.id).sort();
      expect(await ids(`${word} lapt`)).toEqual([laptop.id]);
      expect(await ids(`${word} LAPTOP`)).toEqual([laptop.id]);
      expect(await ids(`${word} gam`)).toEqual([laptop.id]);
      expect(await ids(`${word} чай`)).toEqual([kettle.id]);
      expect(await ids(`${word} 急須`)).toEqual([teapot.id]);
      expect(await ids(word.slice(0, 6))).toEqual([laptop.id, kettle.id, teapot.id].sort());
      // Only the last word is a prefix: earlier words must match whole.
      expect(await ids(`lapt ${word}`)).toEqual([]);
    });

    it('understands web search syntax: phrases, or, and -exclusion', async () => {
      const word = uniqueWord();
      const red = await create({ name: `Red wool scarf ${word}` });
      const blue = await create({ name: `Blue wool scarf ${word}` });
      const wool = await create({ name: `Scarf of red wool ${word}` });
      const ids = async (query: string) => (await searchAll(query)).map((p) => p.id).sort();
      expect(await ids(`${word} "red wool"`)).toEqual([red.id, wool.id].sort());
      expect(await ids(`${word} "wool scarf" -blue`)).toEqual([red.id]);
      // websearch_to_tsquery binds "or" looser than the implied "and": (a & b) or (a & c).
      expect(await ids(`${word} blue or ${word} of`)).toEqual([blue.id, wool.id].sort());
      expect(await ids(`${word} "red wo`)).toEqual([red.id, wool.id].sort());
      expect(await ids(`${word} red or ${word} blu`)).toEqual([red.id, blue.id, wool.id].sort());
      expect(await ids(`${word} scarf -blu`)).toEqual([blue.id, red.id, wool.id].sort());
    });

    it('walks search pages by rank with no duplicates while matching products are being created', async () => {
      const word = uniqueWord();
      const byName = new Set<string>();
      const byDescription = new Set<string>();
      for (let i = 0; i < 12; i++) {
        byName.add((await create({ name: `Vase ${word} ${i}` })).id);
        byDescription.add((await create({ name: `Bowl ${i}`, description: `Goes with any ${word}` })).id);
      }
      const seen: string[] = [];
      const inserts: Array<Promise<unknown>> = [];
      let pageToken = '';
      let totalSize: number | undefined;
      do {
        const page = await client.listProducts({ pageSize: 5, pageToken, query: word });
        seen.push(...page.products.map((p) => p.id));
        totalSize = page.totalSize;
        inserts.push(create({ name: `Vase ${word} late` }), create({ name: 'Bowl late', description: word }));
        pageToken = page.nextPageToken;
      } while (pageToken !== '');
      await Promise.all(inserts);

      expect(new Set(seen).size).toBe(seen.length);
      for (const id of [...byName, ...byDescription]) expect(seen).toContain(id);
      const original = seen.filter((id) => byName.has(id) || byDescription.has(id));
      expect(original.slice(0, 12).every((id) => byName.has(id))).toBe(true);
      expect(totalSize).toBeGreaterThanOrEqual(24);
      expect((await client.listProducts({ pageSize: 1, pageToken: '', query: word })).totalSize).toBe(24 + inserts.length);
    });

    it('refuses a page token from another query, or from the unfiltered list', async () => {
      const word = uniqueWord();
      for (let i = 0; i < 3; i++) await create({ name: `Rug ${word} ${i}` });
      const searchToken = (await client.listProducts({ pageSize: 1, pageToken: '', query: word })).nextPageToken;
      const listToken = (await client.listProducts({ pageSize: 1, pageToken: '', query: '' })).nextPageToken;
      expect(searchToken).not.toBe('');
      expect(listToken).not.toBe('');
      expect((await client.listProducts({ pageSize: 1, pageToken: searchToken, query: ` ${word} ` })).products).toHaveLength(1);
      for (const [pageToken, query] of [
        [searchToken, `${word} rug`],
        [searchToken, ''],
        [listToken, word],
      ] as const) {
        const error = await expectError(client.listProducts({ pageSize: 1, pageToken, query }), 'INVALID_ARGUMENT', 'page_token');
        expect(error.message).toMatch(/different query/);
      }
    });

    it('answers hostile queries with results or INVALID_ARGUMENT naming the query, never anything else', async () => {
      const product = await create({ name: "O'Brien's \"quoted\" back\\slash ☕ mug" });
      const hostile = [
        "'",
        '"',
        '""',
        '"""',
        "''''",
        '\\',
        '\\\\',
        "\\'",
        "'; drop table product; --",
        '"; drop table product; --',
        "O'Brien's",
        "o'brien",
        'back\\slash',
        '☕',
        '☕ mug',
        '💻:*',
        'a:*',
        'lapt:* & !x | (y <-> z)',
        '!!!',
        '&|!():*<->',
        '- -- --- or or or',
        '-',
        'or',
        '(',
        ')',
        '%',
        '_',
        '*',
        '$1',
        '$$ select 1 $$',
        'E\'\\x00\'',
        'x'.repeat(500),
        'x'.repeat(10_240),
        'word '.repeat(2048),
        '\uD800',
        'lone \uDFFF surrogate',
        '\uFFFD',
        'nul\u0000',
        'tab\tand\nnewline',
        '\u202Eright-to-left',
        'zero\u200Bwidth',
        'ｆｕｌｌｗｉｄｔｈ',
        '%00',
        '\u0085',
      ];
      for (const query of hostile) {
        try {
          const page = await client.listProducts({ pageSize: 5, pageToken: '', query });
          expect(page.products.length).toBeLessThanOrEqual(5);
          if (page.nextPageToken !== '') {
            await client.listProducts({ pageSize: 5, pageToken: page.nextPageToken, query });
          }
        } catch (error) {
          expect(error, `query ${JSON.stringify(query)}`).toBeInstanceOf(DomainError);
          expect({ query, kind: (error as DomainError).kind, field: (error as DomainError).field }).toEqual({
            query,
            kind: 'INVALID_ARGUMENT',
            field: 'query',
          });
        }
      }
      await expectError(client.listProducts({ pageSize: 5, pageToken: '', query: 'x'.repeat(10_240) }), 'INVALID_ARGUMENT', 'query');
      expect((await client.getProduct({ id: product.id })).product).toEqual(product);
      expect((await searchAll("O'Brien's back\\slash")).map((p) => p.id)).toContain(product.id);
    });
  });

  describe('ReserveStock', () => {
    it('takes the stock and answers a snapshot per product, merging repeated products', async () => {
      const mug = await create({ name: 'Blue mug', price: usd('1250'), stock: 10 });
      const pot = await create({ name: 'Tea pot', price: usd('4999'), stock: 5 });
      const reservationId = newId();
      const result = await reserve(reservationId, [
        { productId: pot.id, quantity: 1 },
        { productId: mug.id, quantity: 2 },
        { productId: pot.id.toUpperCase(), quantity: 3 },
      ]);
      expect(result).toEqual({
        reservationId,
        lines: [
          { productId: pot.id, name: 'Tea pot', unitPrice: usd('4999'), quantity: 4 },
          { productId: mug.id, name: 'Blue mug', unitPrice: usd('1250'), quantity: 2 },
        ],
      });
      expect(await stockOf(mug.id)).toBe(8);
      expect(await stockOf(pot.id)).toBe(1);
    });

    it('answers a repeated reservation with the first snapshot, even after the price changed, and takes nothing again', async () => {
      const lamp = await create({ name: 'Desk lamp', price: usd('2000'), stock: 5 });
      const reservationId = newId();
      const first = await reserve(reservationId, [{ productId: lamp.id, quantity: 2 }]);
      await client.updateProduct({ id: lamp.id, name: 'Desk lamp v2', price: usd('2500') });
      expect(await reserve(reservationId, [{ productId: lamp.id, quantity: 2 }])).toEqual(first);
      expect(await reserve(reservationId, [{ productId: lamp.id, quantity: 1 }, { productId: lamp.id, quantity: 1 }])).toEqual(first);
      expect(await stockOf(lamp.id)).toBe(3);
    });

    it('refuses the same reservation id with different lines, naming reservation_id', async () => {
      const a = await create({ stock: 5 });
      const b = await create({ stock: 5 });
      const reservationId = newId();
      await reserve(reservationId, [{ productId: a.id, quantity: 1 }]);
      await expectError(reserve(reservationId, [{ productId: a.id, quantity: 2 }]), 'ALREADY_EXISTS', 'reservation_id');
      await expectError(
        reserve(reservationId, [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 1 }]),
        'ALREADY_EXISTS',
        'reservation_id',
      );
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([4, 5]);
    });

    it('is all-or-nothing: any short product fails the whole reservation and lists every shortage', async () => {
      const plenty = await create({ stock: 50 });
      const few = await create({ stock: 2 });
      const none = await create({ stock: 0 });
      const reservationId = newId();
      const error = await expectError(
        reserve(reservationId, [
          { productId: plenty.id, quantity: 10 },
          { productId: few.id, quantity: 3 },
          { productId: none.id, quantity: 1 },
        ]),
        'FAILED_PRECONDITION',
        'lines[1].quantity',
      );
      expect(error.reason).toBe('OUT_OF_STOCK');
      expect(shortagesOf(error)).toEqual([
        { productId: few.id, requested: 3, available: 2 },
        { productId: none.id, requested: 1, available: 0 },
      ]);
      expect([await stockOf(plenty.id), await stockOf(few.id), await stockOf(none.id)]).toEqual([50, 2, 0]);
      // The failed attempt left no trace: the same id works once the lines fit.
      await reserve(reservationId, [{ productId: plenty.id, quantity: 10 }, { productId: few.id, quantity: 2 }]);
      expect([await stockOf(plenty.id), await stockOf(few.id)]).toEqual([40, 0]);
    });

    it('answers NOT_FOUND naming the line of an unknown product, and takes nothing', async () => {
      const product = await create({ stock: 5 });
      const reservationId = newId();
      const error = await expectError(
        reserve(reservationId, [{ productId: product.id, quantity: 1 }, { productId: UNKNOWN_ID, quantity: 1 }]),
        'NOT_FOUND',
        'lines[1].product_id',
      );
      expect(error.message).toContain(UNKNOWN_ID);
      expect(await stockOf(product.id)).toBe(5);
      await reserve(reservationId, [{ productId: product.id, quantity: 1 }]);
      expect(await stockOf(product.id)).toBe(4);
    });

    it('accepts the maximum price, 10^14 minor units, and says so when refusing more', async () => {
      const product = await create({ price: usd('100000000000000') });
      expect(product.price).toEqual(usd('100000000000000'));
      const error = await expectError(create({ price: usd('100000000000001') }), 'INVALID_ARGUMENT', 'price.amount_minor');
      expect(error.message).toBe('price.amount_minor: must be at most 1000000000000.00 USD');
    });

    it('refuses to reserve a product priced above the maximum by an older release: FAILED_PRECONDITION, nothing taken', async () => {
      const cheap = await create({ stock: 5 });
      const relic = await create({ stock: 5 });
      await service.database.db.updateTable('product').set({ price_minor: 9_223_372_036_854_775_000n }).where('id', '=', relic.id).execute();
      const reservationId = newId();
      const error = await expectError(
        reserve(reservationId, [{ productId: cheap.id, quantity: 1 }, { productId: relic.id, quantity: 2 }]),
        'FAILED_PRECONDITION',
        'lines[1].product_id',
      );
      expect(error.reason).toBe('PRICE_OUT_OF_RANGE');
      expect(error.message).toContain(relic.id);
      expect([await stockOf(cheap.id), await stockOf(relic.id)]).toEqual([5, 5]);
      // Nothing of the refused reservation stays: its id still reserves what can be priced.
      await reserve(reservationId, [{ productId: cheap.id, quantity: 1 }]);
      expect(await stockOf(cheap.id)).toBe(4);
    });

    it('refuses a reservation whose total would not fit int64 before taking anything: FAILED_PRECONDITION TOTAL_OUT_OF_RANGE', async () => {
      // Ten lines of 10,000 units at the maximum price: 10^19 minor units, above int64's 9.22 x 10^18.
      const products = await Promise.all(Array.from({ length: 10 }, () => create({ price: usd('100000000000000'), stock: 10_000 })));
      const lines = products.map((product) => ({ productId: product.id, quantity: 10_000 }));
      const error = await expectError(reserve(newId(), lines), 'FAILED_PRECONDITION', 'lines');
      expect(error.reason).toBe('TOTAL_OUT_OF_RANGE');
      expect(await Promise.all(products.map((product) => stockOf(product.id)))).toEqual(products.map(() => 10_000));
      // Nine of them fit (9 x 10^18).
      const reserved = await reserve(newId(), lines.slice(0, 9));
      expect(reserved.lines).toHaveLength(9);
    });

    it.each([
      ['reservation_id', '', [{ quantity: 1 }]],
      ['reservation_id', 'order-42', [{ quantity: 1 }]],
      ['lines', undefined, []],
      ['lines', undefined, Array.from({ length: 101 }, () => ({ quantity: 1 }))],
      ['lines[0].quantity', undefined, [{ quantity: 0 }]],
      ['lines[1].quantity', undefined, [{ quantity: 1 }, { quantity: -2 }]],
      ['lines[0].quantity', undefined, [{ quantity: 10_001 }]],
      ['lines[1].product_id', undefined, [{ quantity: 1 }, { quantity: 1, productId: 'nope' }]],
      ['lines[0].product_id', undefined, [{ quantity: 1, productId: '' }]],
    ])('rejects a bad %s with INVALID_ARGUMENT naming it', async (field, reservationId, lines) => {
      const product = await create({ stock: 100 });
      await expectError(
        reserve(
          reservationId ?? newId(),
          lines.map((line) => ({ productId: product.id, ...line })),
        ),
        'INVALID_ARGUMENT',
        field,
      );
      expect(await stockOf(product.id)).toBe(100);
    });

    it('lets exactly 10 of 200 concurrent one-unit reservations win against a stock of 10', async () => {
      const product = await create({ stock: 10 });
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, () => reserve(newId(), [{ productId: product.id, quantity: 1 }])),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(10);
      expect(lost.map((r) => r.reason instanceof DomainError && r.reason.reason)).toEqual(Array(190).fill('OUT_OF_STOCK'));
      expect(await stockOf(product.id)).toBe(0);
    });

    it('takes the stock once for one reservation id sent 50 times concurrently', async () => {
      const a = await create({ stock: 20 });
      const b = await create({ stock: 20 });
      const reservationId = newId();
      const lines = [
        { productId: a.id, quantity: 3 },
        { productId: b.id, quantity: 2 },
      ];
      const results = await Promise.all(Array.from({ length: 50 }, () => reserve(reservationId, lines)));
      for (const result of results) expect(result).toEqual(results[0]);
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([17, 18]);
    });

    it('never deadlocks or oversells when reservations name the same products in opposite orders', async () => {
      const a = await create({ stock: 30 });
      const b = await create({ stock: 30 });
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          reserve(
            newId(),
            i % 2 === 0
              ? [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 1 }]
              : [{ productId: b.id, quantity: 1 }, { productId: a.id, quantity: 1 }],
          ),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled').length;
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toBe(30);
      expect(lost.map((r) => r.reason instanceof DomainError && r.reason.reason)).toEqual(Array(10).fill('OUT_OF_STOCK'));
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([0, 0]);
    });
  });

  describe('ReleaseStock', () => {
    it('gives the stock back exactly once and says what happened', async () => {
      const product = await create({ stock: 6 });
      const reservationId = newId();
      await reserve(reservationId, [{ productId: product.id, quantity: 4 }]);
      expect(await stockOf(product.id)).toBe(2);
      expect((await client.releaseStock({ reservationId })).outcome).toBe(ReleaseOutcome.RELEASE_OUTCOME_RELEASED);
      expect(await stockOf(product.id)).toBe(6);
      expect((await client.releaseStock({ reservationId })).outcome).toBe(ReleaseOutcome.RELEASE_OUTCOME_ALREADY_RELEASED);
      expect(await stockOf(product.id)).toBe(6);
    });

    it('releases once when asked 20 times concurrently', async () => {
      const product = await create({ stock: 5 });
      const reservationId = newId();
      await reserve(reservationId, [{ productId: product.id, quantity: 5 }]);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => client.releaseStock({ reservationId })));
      expect(outcomes.filter((o) => o.outcome === ReleaseOutcome.RELEASE_OUTCOME_RELEASED)).toHaveLength(1);
      expect(outcomes.filter((o) => o.outcome === ReleaseOutcome.RELEASE_OUTCOME_ALREADY_RELEASED)).toHaveLength(19);
      expect(await stockOf(product.id)).toBe(5);
    });

    it('does not reserve again under a released id', async () => {
      const product = await create({ stock: 3 });
      const reservationId = newId();
      const lines = [{ productId: product.id, quantity: 2 }];
      await reserve(reservationId, lines);
      await client.releaseStock({ reservationId });
      const error = await expectError(reserve(reservationId, lines), 'FAILED_PRECONDITION', 'reservation_id');
      expect(error.reason).toBe('RESERVATION_RELEASED');
      expect(await stockOf(product.id)).toBe(3);
    });

    it('answers NOT_FOUND for an unknown reservation, changes no stock, and refuses a late reservation under that id', async () => {
      const product = await create({ stock: 3 });
      const reservationId = newId();
      expect((await client.releaseStock({ reservationId })).outcome).toBe(ReleaseOutcome.RELEASE_OUTCOME_NOT_FOUND);
      expect((await client.releaseStock({ reservationId })).outcome).toBe(ReleaseOutcome.RELEASE_OUTCOME_NOT_FOUND);
      await expectError(reserve(reservationId, [{ productId: product.id, quantity: 1 }]), 'FAILED_PRECONDITION', 'reservation_id');
      expect(await stockOf(product.id)).toBe(3);
    });

    it('rejects a malformed reservation id, naming it', async () => {
      await expectError(client.releaseStock({ reservationId: '' }), 'INVALID_ARGUMENT', 'reservation_id');
      await expectError(client.releaseStock({ reservationId: 'order-1' }), 'INVALID_ARGUMENT', 'reservation_id');
    });

    it('leaves stock equal to the initial stock minus what is held, after any interleaving of reserves and releases', async () => {
      const initial = [12, 8, 5];
      const products = await Promise.all(initial.map((stock) => create({ stock })));
      const reservations = Array.from({ length: 30 }, (_, i) => ({
        id: newId(),
        lines: [
          { productId: idOf(products[i % 3]), quantity: 1 + (i % 2) },
          { productId: idOf(products[(i + 1) % 3]), quantity: 1 },
        ],
      }));
      // Every reservation is reserved (and retried) concurrently; a third are also released, some
      // before their reserve had any chance to commit, some twice.
      const calls: Array<Promise<unknown>> = [];
      reservations.forEach((reservation, i) => {
        calls.push(reserve(reservation.id, reservation.lines).catch((error: unknown) => error));
        if (i % 3 === 0) calls.push(client.releaseStock({ reservationId: reservation.id }));
        if (i % 5 === 0) calls.push(reserve(reservation.id, reservation.lines).catch((error: unknown) => error));
        if (i % 6 === 0) calls.push(client.releaseStock({ reservationId: reservation.id }));
      });
      await Promise.all(calls);

      // What is held now is exactly what a replay of each reservation answers with a snapshot.
      const held = new Map<string, number>();
      for (const reservation of reservations) {
        try {
          const replay = await reserve(reservation.id, reservation.lines);
          for (const line of replay.lines) held.set(line.productId, (held.get(line.productId) ?? 0) + line.quantity);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          expect(['OUT_OF_STOCK', 'RESERVATION_RELEASED']).toContain((error as DomainError).reason);
        }
      }
      for (const [index, product] of products.entries()) {
        const stock = await stockOf(product.id);
        expect(stock).toBeGreaterThanOrEqual(0);
        expect(stock).toBe((initial[index] ?? 0) - (held.get(product.id) ?? 0));
      }
    });
  });
});
