// Grows its own database as fast as the server takes it (incompressible rows, many at once), to
// fill the server's disk, which is the machine's; says how far it got if it is ever refused.
import pg from 'pg';

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
// Replicas start together: concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog
// (duplicate key in pg_type), after which the table exists; the one that lost goes on.
try {
  await client.query('CREATE TABLE IF NOT EXISTS ballast (id bigserial PRIMARY KEY, payload text)');
} catch (error) {
  if (error.code !== '23505') throw error;
}
let rows = 0;
try {
  for (;;) {
    // ~1 KB of random hex a row: TOAST does not compress it (rows under 2 KB are stored as they are).
    const { rowCount } = await client.query(`INSERT INTO ballast (payload) SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 30), generate_series(1, 20000) AS r GROUP BY r`);
    rows += rowCount ?? 0;
  }
} catch (error) {
  console.log(`hostile: database-grower inserted ${rows} rows of ~1 KB, then: ${error.message}`);
}
process.exit(3);
