import { describe, expect, it } from 'vitest';
import { engineBeside } from './engine-beside.js';

// A table becomes a partition or an inheritance child only when it has the parent's shape. Each case runs on
// PGlite, and the reviewer must predict exactly the SQLSTATEs PostgreSQL raises (or stay silent when it accepts).
// test/engine runs the representative ones on PostgreSQL 12–18, which all agree.

const HISTORY = `CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text COLLATE "C", CONSTRAINT events_id_positive CHECK (id > 0)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE base (id bigint NOT NULL, label varchar(20), CONSTRAINT base_label CHECK (label <> ''));`;

const ATTACH = "ALTER TABLE events ATTACH PARTITION e23 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');";
const MATCHING = `CREATE TABLE e23 (id bigint NOT NULL, at date NOT NULL, kind text COLLATE "C", CONSTRAINT events_id_positive CHECK (id > 0));`;

const { engine, predicted } = engineBeside(HISTORY);

describe('statement-will-fail: a child that does not match its parent', () => {
  it.each([
    [
      'ATTACH of a table missing a column',
      `CREATE TABLE e23 (id bigint NOT NULL, at date NOT NULL, CONSTRAINT events_id_positive CHECK (id > 0));\n${ATTACH}`,
      '42804',
    ],
    ['ATTACH of a table with another type', `${MATCHING.replace('id bigint', 'id int')}\n${ATTACH}`, '42804'],
    ['ATTACH of a table with another collation', `${MATCHING.replace(' COLLATE "C"', '')}\n${ATTACH}`, '42P21'],
    ['ATTACH of a table without NOT NULL', `${MATCHING.replace('id bigint NOT NULL', 'id bigint')}\n${ATTACH}`, '42804'],
    ['ATTACH of a table with a column of its own', `${MATCHING.replace('CONSTRAINT', 'extra int, CONSTRAINT')}\n${ATTACH}`, '42804'],
    ["ATTACH of a table without the parent's CHECK", `${MATCHING.replace(', CONSTRAINT events_id_positive CHECK (id > 0)', '')}\n${ATTACH}`, '42804'],
    [
      "ATTACH of a table whose copy of the parent's CHECK is NOT VALID",
      `${MATCHING.replace(', CONSTRAINT events_id_positive CHECK (id > 0)', '')}\nALTER TABLE e23 ADD CONSTRAINT events_id_positive CHECK (id > 0) NOT VALID;\n${ATTACH}`,
      '42P17',
    ],
    [
      'ATTACH of a table that is already a partition',
      "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');",
      '42809',
    ],
    ['ATTACH after the parent gained a column', `${MATCHING}\nALTER TABLE events ADD COLUMN extra int;\n${ATTACH}`, '42804'],
    [
      'INHERIT of a table with another length',
      "CREATE TABLE c (id bigint NOT NULL, label varchar(30), CONSTRAINT base_label CHECK (label <> ''));\nALTER TABLE c INHERIT base;",
      '42804',
    ],
    ["INHERIT of a table without the parent's CHECK", 'CREATE TABLE c (id bigint NOT NULL, label varchar(20));\nALTER TABLE c INHERIT base;', '42804'],
    ['INHERIT from a partitioned table', `${MATCHING}\nALTER TABLE e23 INHERIT events;`, '42809'],
    ['INHERITS with a column declared again with another type', 'CREATE TABLE c (label varchar(30)) INHERITS (base);', '42804'],
    ['INHERITS from a partitioned table', 'CREATE TABLE c () INHERITS (events);', '42809'],
    ['PARTITION OF a plain table', 'CREATE TABLE c PARTITION OF base FOR VALUES IN (1);', '42P17'],
    [
      'PARTITION OF naming a column the parent lacks',
      "CREATE TABLE c PARTITION OF events (nope NOT NULL) FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');",
      '42703',
    ],
  ])('%s', async (_what, sql, sqlstate) => {
    expect(await engine(sql)).toBe(sqlstate);
    expect(predicted(sql)).toEqual([sqlstate]);
  });

  it.each([
    [
      'ATTACH of a table with the same columns in another order',
      `CREATE TABLE e23 (kind text COLLATE "C", at date NOT NULL, id bigint NOT NULL, CONSTRAINT events_id_positive CHECK (id > 0));\n${ATTACH}`,
    ],
    ['ATTACH of a table made with LIKE … INCLUDING ALL', `CREATE TABLE e23 (LIKE events INCLUDING ALL);\n${ATTACH}`],
    [
      'ATTACH again after DETACH, with columns and a CHECK the parent gained meanwhile',
      "ALTER TABLE events ADD COLUMN extra int;\nALTER TABLE events ADD CONSTRAINT events_extra CHECK (extra > 0);\nALTER TABLE events DETACH PARTITION events_2024;\nALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
    ],
    [
      'ATTACH after the partition and the parent changed a type together',
      "ALTER TABLE events ALTER COLUMN kind TYPE varchar(10) COLLATE \"C\";\nALTER TABLE events DETACH PARTITION events_2024;\nALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
    ],
    [
      'numeric(10) against numeric(10,0) and int[] against int[][]',
      'CREATE TABLE p (a int, n numeric(10), xs int[]) PARTITION BY LIST (a);\nCREATE TABLE c (a int, n numeric(10,0), xs int[][]);\nALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1);',
    ],
    [
      'INHERIT of a table with extra columns',
      "CREATE TABLE c (id bigint NOT NULL, label varchar(20), extra int, CONSTRAINT base_label CHECK (label <> ''));\nALTER TABLE c INHERIT base;",
    ],
    ['INHERITS with a column declared again with the same type', 'CREATE TABLE c (label varchar(20), extra int) INHERITS (base);'],
    ['a parent CHECK marked NO INHERIT', 'CREATE TABLE p (a int, CONSTRAINT p_a CHECK (a > 0) NO INHERIT);\nCREATE TABLE c (a int);\nALTER TABLE c INHERIT p;'],
  ])('not for %s', async (_what, sql) => {
    expect(await engine(sql)).toBeUndefined();
    expect(predicted(sql)).toEqual([]);
  });
});
