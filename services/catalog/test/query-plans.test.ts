import { CompiledQuery, sql, type Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@emporium/kit/config.js';
import { createLogger } from '@emporium/kit/logger.js';
import type { RunningService } from '@emporium/kit/start-service.js';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { createCatalogClient, type CatalogClient } from '../src/client.js';
import { catalogConfigSchema } from '../src/config.js';
import { startCatalogService } from '../src/main.js';
import { parseSearch } from '../src/model.js';
import { CatalogRepository } from '../src/repository.js';
import type { CatalogDatabase } from '../src/tables.js';

const PRODUCTS = 100_000;
const log = createLogger('catalog-plans-test', 'silent');

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

function isPlanNode(value: unknown): value is PlanNode {
  return typeof value === 'object' && value !== null && 'Node Type' in value && typeof value['Node Type'] === 'string';
}

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** Every node of a plan tree, depth first. */
function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The plans PostgreSQL chooses at 100,000 products for the exact SQL the repository runs. Plan
 * structure only (which scans, which indexes): timings depend on the machine and are not asserted.
 */
describe('catalog query plans on PostgreSQL at 100,000 products', () => {
  let database: TestDatabase;
  let service: RunningService<CatalogDatabase>;
  let client: CatalogClient;
  let repository: CatalogRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startCatalogService(parseConfig(catalogConfigSchema, { PORT: '0', DATABASE_URL: database.url }), log);
    client = createCatalogClient(service.address);
    const { db } = service.database;
    repository = new CatalogRepository(db);
    // One statement instead of 100,000 calls: time-ordered ids like UUIDv7, five common words, and
    // one rare word on every thousandth product.
    await sql`
      insert into product (id, name, description, price_currency, price_minor, stock)
      select ('01900000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
             'Product ' || i || ' ' || (array['laptop', 'phone', 'chair', 'lamp', 'desk'])[1 + i % 5],
             'Catalog item number ' || i || case when i % 1000 = 0 then ' zebra stripes' else '' end,
             'USD', (i * 37) % 100000, i % 50
      from generate_series(1, ${PRODUCTS}::int) as i`.execute(db);
    await sql`analyze product`.execute(db);
  });

  afterAll(async () => {
    client.close();
    await service?.stop();
    await database?.drop();
  });

  async function planOf(query: Compilable): Promise<PlanNode[]> {
    const compiled = query.compile();
    const result = await service.database.db.executeQuery(
      CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters]),
    );
    const [row] = result.rows;
    const [explained] = arrayOf(fieldOf(row, 'QUERY PLAN'));
    const root = fieldOf(explained, 'Plan');
    if (!isPlanNode(root)) throw new Error(`unexpected EXPLAIN output: ${JSON.stringify(result.rows)}`);
    return nodesOf(root);
  }

  const seqScansOnProduct = (nodes: PlanNode[]) =>
    nodes.filter((n) => n['Node Type'].includes('Seq Scan') && n['Relation Name'] === 'product');

  it('searches and counts through the GIN index, for whole words, prefixes and later pages', async () => {
    const cases = [
      repository.searchQuery(parseSearch('zebra'), 21, undefined),
      repository.searchQuery(parseSearch('zeb'), 21, undefined),
      repository.searchQuery(parseSearch('"zebra stripes" -lamp'), 21, undefined),
      repository.searchQuery(parseSearch('zebra'), 21, { rank: 0.2, id: '01900000-0000-7000-8000-000000000100' }),
      repository.countMatchesQuery(parseSearch('zebr')),
    ];
    for (const query of cases) {
      const nodes = await planOf(query);
      expect(nodes.some((n) => n['Index Name'] === 'product_search_idx')).toBe(true);
      expect(seqScansOnProduct(nodes)).toEqual([]);
    }
  });

  it('lists newest first by walking the primary key backwards, first page and later pages alike', async () => {
    for (const query of [repository.newestQuery(21, undefined), repository.newestQuery(21, '01900000-0000-7000-8000-00000000c350')]) {
      const nodes = await planOf(query);
      expect(nodes.some((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === 'product_pkey')).toBe(true);
      expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
      expect(seqScansOnProduct(nodes)).toEqual([]);
    }
  });

  it('answers through the service with the right totals at this size', async () => {
    const zebra = await client.listProducts({ pageSize: 10, pageToken: '', query: 'zebr' });
    expect(zebra.totalSize).toBe(PRODUCTS / 1000);
    expect(zebra.products).toHaveLength(10);
    const newest = await client.listProducts({ pageSize: 3, pageToken: '', query: '' });
    expect(newest.totalSize).toBe(PRODUCTS);
    expect(newest.products.map((p) => p.name)).toEqual([
      `Product ${PRODUCTS} laptop`,
      `Product ${PRODUCTS - 1} desk`,
      `Product ${PRODUCTS - 2} lamp`,
    ]);
  });
});
