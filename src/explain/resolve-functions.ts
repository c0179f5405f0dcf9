import { parseSync, scanSync } from 'libpg-query';
import type { DbClient } from '../db/client.js';
import type { ProcCandidate } from './function-safety.js';
import { judgeProc, refusalMessage } from './function-safety.js';
import type { FunctionCall, RelationRef } from './guard.js';
import { functionCalls, relationsOf } from './guard.js';

/**
 * `execute`: the query runs (EXPLAIN ANALYZE), so every function it reaches runs.
 * `plan`: only planned (--no-analyze); the planner evaluates IMMUTABLE and STABLE functions (constant
 * folding, estimates) but never a VOLATILE one, so only those are followed.
 */
export type RunMode = 'execute' | 'plan';

export interface FunctionRefusal {
  /** the function refused, as called */
  name: string;
  message: string;
  /** where the query reaches it: the call, or the view reference it hides behind */
  line: number | undefined;
  column: number | undefined;
}

interface Site {
  name: string;
  schema: string | undefined;
  args: number | undefined;
  /** functions and views the call was reached through */
  via: string[];
  line: number | undefined;
  column: number | undefined;
  mode: RunMode;
}

interface ProcRow extends ProcCandidate {
  nargs: number;
  ndefaults: number;
  variadic: boolean;
  /** an aggregate's transition, final, combine, … functions */
  support: number[];
}

/** Bodies call bodies; a chain deeper than this is refused rather than followed forever. */
const MAX_ROUNDS = 12;

/**
 * The functions a query would call (directly, through views, and through the bodies of SQL and PL/pgSQL
 * functions) that can act outside the rolled-back transaction, resolved against the server's catalog.
 * Reads pg_proc and pg_class only; never calls a function it inspects.
 */
export async function findUnsafeCalls(
  db: DbClient,
  query: { calls: FunctionCall[]; relations: RelationRef[] },
  options: { serverMajor: number; mode: RunMode },
): Promise<FunctionRefusal[]> {
  const refusals: FunctionRefusal[] = [];
  const refuse = (site: Pick<Site, 'name' | 'via' | 'line' | 'column'>, reason: string) => {
    if (refusals.some((r) => r.name === site.name && r.line === site.line && r.column === site.column)) return;
    refusals.push({ name: site.name, message: refusalMessage(site.name, reason, site.via), line: site.line, column: site.column });
  };
  let sites: Site[] = query.calls.map((c) => ({ ...c, via: [], mode: options.mode }));
  let views: Array<RelationRef & { via: string[]; mode: RunMode }> = query.relations.map((r) => ({ ...r, via: [], mode: options.mode }));
  const seenProcs = new Set<string>();
  const seenViews = new Set<number>();
  for (let round = 0; sites.length > 0 || views.length > 0; round++) {
    if (round >= MAX_ROUNDS) {
      const deep = sites[0];
      if (deep) refuse(deep, `reached through more than ${MAX_ROUNDS} levels of functions and views; dbtool stops following there`);
      break;
    }
    const nextSites: Site[] = [];
    const nextViews: typeof views = [];
    // views the query reads: their definitions run as part of it
    if (views.length > 0) {
      for (const view of await lookupViews(
        db,
        views.map((v) => qualifiedName(v.schema, v.name)),
      )) {
        const refs = views.filter((v) => qualifiedName(v.schema, v.name) === view.ref);
        if (seenViews.has(view.oid) || refs.length === 0) continue;
        seenViews.add(view.oid);
        let node: unknown;
        try {
          node = parseSync(view.def).stmts?.[0]?.stmt;
        } catch {
          for (const ref of refs)
            refuse({ name: view.name, via: ref.via, line: ref.line, column: ref.column }, 'a view whose definition dbtool could not read');
          continue;
        }
        for (const ref of refs) {
          const via = [...ref.via, `view ${view.display}`];
          for (const call of functionCalls(node)) nextSites.push({ ...call, via, line: ref.line, column: ref.column, mode: ref.mode });
          for (const inner of relationsOf(node)) nextViews.push({ ...inner, via, line: ref.line, column: ref.column, mode: ref.mode });
        }
      }
    }
    if (sites.length > 0) {
      const procs = await lookupProcs(db, sites, options.serverMajor);
      const supportOids = new Map<number, Site[]>();
      for (const site of sites) {
        const candidates = procs.filter((p) => matches(p, site)).filter((p) => site.mode === 'execute' || p.volatility !== 'v');
        for (const proc of candidates) {
          const key = `${proc.oid}:${site.mode}`;
          const verdict = judgeProc(proc);
          if (verdict.kind === 'refused') {
            refuse(site, verdict.reason);
            continue;
          }
          for (const oid of proc.support) supportOids.set(oid, [...(supportOids.get(oid) ?? []), { ...site, via: [...site.via, `${site.name}()`] }]);
          if (verdict.kind === 'safe' || seenProcs.has(key)) continue;
          seenProcs.add(key);
          const via = [...site.via, `${site.name}()`];
          const inner = bodyCalls(verdict.language, verdict.body);
          if ('refused' in inner) {
            refuse(site, inner.refused);
            continue;
          }
          // whatever a function that runs calls, runs
          for (const call of inner.calls)
            nextSites.push({ name: call.name, schema: call.schema, args: call.args, via, line: site.line, column: site.column, mode: 'execute' });
          for (const rel of inner.relations) nextViews.push({ ...rel, via, line: site.line ?? 0, column: site.column ?? 0, mode: 'execute' });
        }
      }
      if (supportOids.size > 0) {
        for (const proc of await lookupProcs(db, [], options.serverMajor, [...supportOids.keys()])) {
          for (const site of supportOids.get(proc.oid) ?? []) {
            const verdict = judgeProc(proc);
            if (verdict.kind === 'refused') refuse({ ...site, name: proc.name }, verdict.reason);
            else if (verdict.kind === 'inspect')
              nextSites.push({ name: proc.name, schema: proc.schema, args: undefined, via: site.via, line: site.line, column: site.column, mode: 'execute' });
          }
        }
      }
    }
    sites = nextSites;
    views = nextViews;
  }
  return refusals;
}

/** Could this overload be the one called with that many arguments? */
function matches(proc: ProcRow, site: Site): boolean {
  if (proc.name !== site.name) return false;
  if (site.schema !== undefined && proc.schema !== site.schema) return false;
  if (site.args === undefined) return true;
  const least = proc.nargs - proc.ndefaults - (proc.variadic ? 1 : 0);
  return site.args >= least && (proc.variadic || site.args <= proc.nargs);
}

function qualifiedName(schema: string | undefined, name: string): string {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return schema ? `${quote(schema)}.${quote(name)}` : quote(name);
}

async function lookupViews(db: DbClient, names: string[]): Promise<Array<{ oid: number; name: string; display: string; def: string; ref: string }>> {
  const { rows } = await db.query<{ oid: string; schema: string; name: string; def: string; ref: string }>(
    `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, pg_get_viewdef(c.oid) AS def, r.name AS ref
       FROM unnest($1::text[]) AS r(name)
       JOIN pg_class c ON c.oid = to_regclass(r.name)
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'v'`,
    [names],
  );
  return rows.map((r) => ({ oid: Number(r.oid), name: r.name, def: r.def, display: r.schema === 'public' ? r.name : `${r.schema}.${r.name}`, ref: r.ref }));
}

async function lookupProcs(db: DbClient, sites: Site[], major: number, oids: number[] = []): Promise<ProcRow[]> {
  const bare = [...new Set(sites.filter((s) => s.schema === undefined).map((s) => s.name))];
  const qualified = sites.filter((s) => s.schema !== undefined);
  // BEGIN ATOMIC bodies (PostgreSQL 14+) live in prosqlbody; their definition is what can be parsed
  const body = major >= 14 ? 'CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_functiondef(p.oid) ELSE p.prosrc END' : 'p.prosrc';
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT p.oid::int8 AS oid, n.nspname AS schema, p.proname AS name, p.prokind::text AS kind, p.provolatile::text AS volatility,
            l.lanname AS language, p.pronargs::int AS nargs, p.pronargdefaults::int AS ndefaults, p.provariadic <> 0 AS variadic,
            CASE WHEN l.lanname IN ('sql', 'plpgsql') THEN ${body} END AS body,
            (SELECT array_remove(ARRAY[a.aggtransfn::oid, a.aggfinalfn::oid, a.aggcombinefn::oid, a.aggserialfn::oid, a.aggdeserialfn::oid,
                                       a.aggmtransfn::oid, a.aggminvtransfn::oid, a.aggmfinalfn::oid], 0::oid)::int8[]
               FROM pg_aggregate a WHERE a.aggfnoid = p.oid AND n.nspname <> 'pg_catalog') AS support
       FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
       JOIN pg_language l ON l.oid = p.prolang
      WHERE (p.proname = ANY($1::text[]) AND n.nspname = ANY(current_schemas(true)))
         OR (n.nspname, p.proname) IN (SELECT * FROM unnest($2::text[], $3::text[]))
         OR p.oid::int8 = ANY($4::int8[])`,
    [bare, qualified.map((s) => s.schema), qualified.map((s) => s.name), oids],
  );
  return rows.map((r) => ({
    oid: Number(r.oid),
    schema: String(r.schema),
    name: String(r.name),
    kind: String(r.kind),
    volatility: String(r.volatility),
    language: String(r.language),
    nargs: Number(r.nargs),
    ndefaults: Number(r.ndefaults),
    variadic: r.variadic === true,
    body: typeof r.body === 'string' ? r.body : undefined,
    support: Array.isArray(r.support) ? r.support.map(Number) : [],
  }));
}

type BodyCalls = { calls: Array<Pick<FunctionCall, 'name' | 'schema' | 'args'>>; relations: RelationRef[] } | { refused: string };

/**
 * What a body calls. SQL bodies are parsed; PL/pgSQL bodies are scanned for `name(` tokens (names that are
 * not functions are dropped by the catalog lookup), and dynamic SQL is refused because its text is data.
 */
export function bodyCalls(language: 'sql' | 'plpgsql', body: string): BodyCalls {
  if (language === 'sql') {
    try {
      const parsed = parseSync(body);
      return { calls: functionCalls(parsed), relations: relationsOf(parsed) };
    } catch {
      // a body the parser cannot read (rare: old syntax) is still scanned for calls
    }
  }
  let tokens: Array<{ text?: string; tokenName?: string; keywordName?: string }>;
  try {
    tokens = scanSync(body).tokens as typeof tokens;
  } catch {
    return { refused: `a ${language === 'sql' ? 'SQL' : 'PL/pgSQL'} function whose body dbtool could not read` };
  }
  const calls: Array<Pick<FunctionCall, 'name' | 'schema' | 'args'>> = [];
  const isName = (t: (typeof tokens)[number] | undefined) =>
    !!t && (t.tokenName === 'IDENT' || (t.keywordName !== undefined && t.keywordName !== 'NO_KEYWORD' && t.keywordName !== 'RESERVED_KEYWORD'));
  const unquote = (text: string) => (text.startsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text.toLowerCase());
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (language === 'plpgsql' && token.text?.toUpperCase() === 'EXECUTE' && token.tokenName !== 'IDENT') {
      return { refused: 'a PL/pgSQL function that runs dynamic SQL (EXECUTE), which dbtool cannot check' };
    }
    if (tokens[i + 1]?.text !== '(' || !isName(token)) continue;
    const qualified = tokens[i - 1]?.text === '.' && isName(tokens[i - 2]);
    calls.push({ name: unquote(token.text ?? ''), schema: qualified ? unquote(tokens[i - 2]!.text ?? '') : undefined, args: undefined });
  }
  return { calls, relations: [] };
}
