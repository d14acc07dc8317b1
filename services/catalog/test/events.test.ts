import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductField, type ProductChanged } from '@emporium/contracts/emporium/catalog/v1/events.js';
import type { Product } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { parseConfig } from '@emporium/kit/config.js';
import { newId } from '@emporium/kit/ids.js';
import { createLogger } from '@emporium/kit/logger.js';
import type { RunningService } from '@emporium/kit/start-service.js';
import { testEngines } from '@emporium/testkit/databases.js';
import { expectError, failure } from '@emporium/testkit/errors.js';
import { createCatalogClient, type CatalogClient } from '../src/client.js';
import { catalogConfigSchema } from '../src/config.js';
import { productChanged, productCreated } from '../src/events.js';
import { startCatalogService } from '../src/main.js';
import type { CatalogDatabase } from '../src/tables.js';

// The catalog's events, read back from its outbox with SQL: one per changed product, written in
// the transaction of the change (an update, a reservation, a release), never without it, each
// with the product's next version.

const log = createLogger('catalog-events-test', 'silent');
const usd = (amountMinor: string) => ({ currencyCode: 'USD', amountMinor });

interface OutboxRow {
  readonly type: string;
  readonly aggregate_version: bigint;
  readonly payload: Uint8Array;
}

describe.each(testEngines('catalog-events'))('catalog events on $name', (engine) => {
  let service: RunningService<CatalogDatabase>;
  let client: CatalogClient;
  let cleanup: () => Promise<unknown>;

  beforeAll(async () => {
    const setup = await engine.setup();
    cleanup = setup.cleanup;
    service = await startCatalogService(parseConfig(catalogConfigSchema, { PORT: '0', ...setup.env }), log);
    client = createCatalogClient(service.address);
  });

  afterAll(async () => {
    client.close();
    await service.stop();
    await cleanup();
  });

  const db = (): Kysely<CatalogDatabase> => service.database.db;

  async function outboxOf(productId: string): Promise<OutboxRow[]> {
    const { rows } = await sql<OutboxRow>`
      select type, aggregate_version, payload from outbox_event
      where aggregate_id::text = ${productId} order by aggregate_version`.execute(db());
    return rows;
  }

  /** The ProductChanged events of a product, oldest first (its ProductCreated is checked apart). */
  async function changesOf(productId: string): Promise<ProductChanged[]> {
    const rows = await outboxOf(productId);
    return rows.filter((row) => row.type === productChanged.typeName).map((row) => productChanged.decode(row.payload));
  }

  async function versionOf(productId: string): Promise<bigint> {
    const { rows } = await sql<{ version: bigint }>`select version from product where id = ${productId}`.execute(db());
    return rows[0]?.version ?? -1n;
  }

  const create = async (name: string, stock: number, priceMinor = '1299'): Promise<Product> => {
    const { product } = await client.createProduct({ name, description: 'Holds coffee.', price: usd(priceMinor), stock });
    if (!product) throw new Error('no product');
    return product;
  };

  it('records ProductCreated with the product at version 1', async () => {
    const product = await create('Plain mug', 10);
    const rows = await outboxOf(product.id);
    expect(rows.map((row) => [row.type, row.aggregate_version])).toEqual([['emporium.catalog.v1.ProductCreated', 1n]]);
    expect(productCreated.decode(rows[0]?.payload ?? new Uint8Array())).toEqual({
      productId: product.id,
      name: 'Plain mug',
      description: 'Holds coffee.',
      price: usd('1299'),
      stock: 10,
      version: '1',
    });
    expect(await versionOf(product.id)).toBe(1n);
  });

  it('an update records ProductChanged naming the fields it made different, one version further each', async () => {
    const product = await create('Teapot', 7, '4500');
    await client.updateProduct({ id: product.id, name: 'Iron teapot', price: usd('3999'), description: 'Holds coffee.' });
    // The same values again: no change, so no event and no new version.
    await client.updateProduct({ id: product.id, name: 'Iron teapot', price: usd('3999') });
    await client.updateProduct({ id: product.id, stock: 0, price: undefined });

    expect(await changesOf(product.id)).toEqual([
      {
        productId: product.id,
        name: 'Iron teapot',
        description: 'Holds coffee.',
        price: usd('3999'),
        stock: 7,
        version: '2',
        changedFields: [ProductField.PRODUCT_FIELD_NAME, ProductField.PRODUCT_FIELD_PRICE],
      },
      {
        productId: product.id,
        name: 'Iron teapot',
        description: 'Holds coffee.',
        price: usd('3999'),
        stock: 0,
        version: '3',
        changedFields: [ProductField.PRODUCT_FIELD_STOCK],
      },
    ]);
    expect((await outboxOf(product.id)).map((row) => row.aggregate_version)).toEqual([1n, 2n, 3n]);
    expect(await versionOf(product.id)).toBe(3n);
  });

  it('an update of an unknown product records nothing', async () => {
    const id = newId();
    await expectError(client.updateProduct({ id, name: 'Ghost', price: undefined }), 'NOT_FOUND', 'id');
    expect(await outboxOf(id)).toEqual([]);
  });

  it('a reservation records ProductChanged (stock) per product; its replay and its release once', async () => {
    const mug = await create('Mug', 10);
    const pot = await create('Pot', 5);
    const reservationId = newId();
    const lines = [
      { productId: mug.id, quantity: 3 },
      { productId: pot.id, quantity: 5 },
    ];
    await client.reserveStock({ reservationId, lines });
    await client.reserveStock({ reservationId, lines });
    expect(await changesOf(mug.id)).toEqual([expect.objectContaining({ stock: 7, version: '2', changedFields: [ProductField.PRODUCT_FIELD_STOCK] })]);
    expect(await changesOf(pot.id)).toEqual([expect.objectContaining({ stock: 0, version: '2', changedFields: [ProductField.PRODUCT_FIELD_STOCK] })]);

    await client.releaseStock({ reservationId });
    await client.releaseStock({ reservationId });
    const [, mugReleased] = await changesOf(mug.id);
    const [, potReleased] = await changesOf(pot.id);
    expect(mugReleased).toEqual({
      productId: mug.id,
      name: 'Mug',
      description: 'Holds coffee.',
      price: usd('1299'),
      stock: 10,
      version: '3',
      changedFields: [ProductField.PRODUCT_FIELD_STOCK],
    });
    expect(potReleased).toMatchObject({ stock: 5, version: '3' });
    expect((await changesOf(mug.id)).length).toBe(2);
    expect((await outboxOf(pot.id)).map((row) => row.aggregate_version)).toEqual([1n, 2n, 3n]);
    expect(await versionOf(pot.id)).toBe(3n);
  });

  it('a reservation refused for stock takes nothing and records nothing, for any of its products', async () => {
    const plenty = await create('Plenty', 100);
    const scarce = await create('Scarce', 1);
    const refused = client.reserveStock({
      reservationId: newId(),
      lines: [
        { productId: plenty.id, quantity: 1 },
        { productId: scarce.id, quantity: 2 },
      ],
    });
    expect((await failure(refused)).reason).toBe('OUT_OF_STOCK');
    expect(await changesOf(plenty.id)).toEqual([]);
    expect(await changesOf(scarce.id)).toEqual([]);
    expect(await versionOf(plenty.id)).toBe(1n);
    expect(await versionOf(scarce.id)).toBe(1n);
  });
});
