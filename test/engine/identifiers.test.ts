import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { reviewAfter } from '../review/helpers.js';
import type { Engine } from './server.js';
import { binariesFor, requestedMajor, startPglite, startServer } from './server.js';

const major = requestedMajor();
const serverBin = binariesFor(major);
if (!serverBin) throw new Error(`no PostgreSQL ${major} binaries: run \`npm run test:engines ${major}\` to install them`);

const ENGINES = [
  ...(major === 18 ? [{ label: 'PGlite (PostgreSQL 18, WASM)', start: startPglite }] : []),
  { label: `PostgreSQL ${major} server`, start: () => startServer(serverBin) },
];

const TABLE = 'customer_shipping_address_verification_attempts_with_a_long_name_x';
const FK = 'orders_customer_shipping_address_id_customer_shipping_addresses_id_fk';
const WIDE = 'é'.repeat(40);
const SETUP = 'CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, other_id bigint);';

function findings(history: string, sql: string, rule: string): string[] {
  const report = reviewAfter(history, sql, { pgVersion: major });
  return report.files
    .flatMap((f) => f.statements.flatMap((s) => s.findings))
    .filter((f) => f.rule === rule)
    .map((f) => f.message);
}

/** The SQLSTATE the reviewer predicts in its collision message. */
function predictedState(history: string, sql: string): string | undefined {
  return findings(history, sql, 'truncated-name-collision')[0]?.match(/SQLSTATE (\w+)/)?.[1];
}

describe.each(ENGINES)('names longer than 63 bytes on $label', ({ start }) => {
  let engine: Engine;
  beforeAll(async () => {
    await loadParser();
    engine = await start();
  });
  afterAll(async () => engine?.close());
  const reset = () => engine.client.exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public; ${SETUP}`);
  const one = async (sql: string) => (await engine.client.query<{ n: string }>(sql)).rows[0]?.n;

  it('truncates a table, column and constraint name to 63 bytes on a character boundary, the name the warning shows', async () => {
    await reset();
    const sql = `CREATE TABLE "${TABLE}" ("${WIDE}" int);\nALTER TABLE orders ADD CONSTRAINT "${FK}" FOREIGN KEY (user_id) REFERENCES users (id);`;
    await engine.client.exec(sql);
    const table = await one("SELECT relname AS n FROM pg_class WHERE relname LIKE 'customer_shipping%'");
    const column = await one(`SELECT attname AS n FROM pg_attribute WHERE attrelid = '"${TABLE.slice(0, 63)}"'::regclass AND attnum = 1`);
    const constraint = await one("SELECT conname AS n FROM pg_constraint WHERE contype = 'f'");
    expect([table, column, constraint]).toEqual([TABLE.slice(0, 63), 'é'.repeat(31), FK.slice(0, 63)]);
    const warned = findings(SETUP, sql, 'identifier-too-long');
    expect(warned).toHaveLength(3);
    for (const [i, name] of [table, column, constraint].entries()) expect(warned[i]).toContain(`truncates it to "${name}"`);
  });

  it('names an unnamed index, unique constraint, foreign key and serial sequence the way the reviewer says (each part cut)', async () => {
    await reset();
    const sql = [
      `CREATE TABLE "${TABLE}" (id serial, "verification_provider_reference_number" text UNIQUE, user_id bigint REFERENCES users (id));`,
      `CREATE INDEX ON "${TABLE}" ("verification_provider_reference_number", user_id);`,
      'CREATE INDEX ON orders (user_id, id, user_id, id, user_id, id, user_id, id, user_id, id);',
    ].join('\n');
    await engine.client.exec(sql);
    const actual = (
      await engine.client.query<{ n: string }>(
        "SELECT relname AS n FROM pg_class WHERE (relname LIKE 'customer%' OR relname LIKE 'orders_user_id_id%') AND relkind IN ('i', 'S') UNION ALL SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
      )
    ).rows.map((r) => r.n);
    const predicted = findings(SETUP, sql, 'identifier-too-long')
      .map((m) => m.match(/^PostgreSQL names this [a-z ]+ "([^"]+)"/)?.[1])
      .filter((n) => n !== undefined);
    expect(predicted.length).toBe(5);
    expect(actual).toEqual(expect.arrayContaining(predicted));
  });

  it.each([
    ['two tables', `CREATE TABLE "${TABLE}_one" (id int);\nCREATE TABLE "${TABLE}_two" (id int);`],
    ['two columns of one table', `CREATE TABLE t ("${TABLE}_one" int, "${TABLE}_two" int);`],
    ['an added column', `CREATE TABLE t ("${TABLE}_one" int);\nALTER TABLE t ADD COLUMN "${TABLE}_two" int;`],
    [
      'two foreign keys',
      `ALTER TABLE orders ADD CONSTRAINT "${FK}" FOREIGN KEY (user_id) REFERENCES users (id);\nALTER TABLE orders ADD CONSTRAINT "${FK}_2" FOREIGN KEY (other_id) REFERENCES users (id);`,
    ],
    ['two unique constraints', `ALTER TABLE orders ADD CONSTRAINT "${FK}" UNIQUE (user_id);\nALTER TABLE orders ADD CONSTRAINT "${FK}_2" UNIQUE (other_id);`],
    ['two indexes', `CREATE INDEX "${FK}" ON orders (user_id);\nCREATE INDEX "${FK}_2" ON orders (other_id);`],
  ])('a collision after truncation (%s) fails with the SQLSTATE the reviewer names', async (_what, sql) => {
    await reset();
    const error = await engine.client.exec(sql).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    expect(error?.code, 'PostgreSQL accepted the colliding statement').toBeDefined();
    expect(predictedState(SETUP, sql)).toBe(error?.code);
  });

  it("inside drizzle-kit's duplicate_object guard, the colliding foreign key is silently never created, as the reviewer says", async () => {
    await reset();
    const guarded = (name: string, column: string) =>
      `DO $$ BEGIN\n ALTER TABLE "orders" ADD CONSTRAINT "${name}" FOREIGN KEY ("${column}") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;`;
    const sql = `${guarded(FK, 'user_id')}\n--> statement-breakpoint\n${guarded(`${FK}_2`, 'other_id')}`;
    await engine.client.exec(sql.replace('--> statement-breakpoint', ''));
    const keys = (await engine.client.query<{ n: string }>("SELECT pg_get_constraintdef(oid) AS n FROM pg_constraint WHERE contype = 'f'")).rows.map(
      (r) => r.n,
    );
    expect(keys).toEqual(['FOREIGN KEY (user_id) REFERENCES users(id)']);
    const said = findings(SETUP, sql, 'truncated-name-collision');
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('silently never created');
  });
});
