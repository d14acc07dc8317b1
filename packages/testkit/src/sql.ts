import pg from 'pg';

/** One SQL statement on a service's database: for rows as an older release wrote them. */
export async function runSql(url: string, text: string, values: readonly unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text, [...values]);
  } finally {
    await client.end();
  }
}
