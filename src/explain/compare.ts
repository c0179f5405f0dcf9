import type { Buffers, NodeMetrics, PlanMetrics } from './analyze.js';
import type { Diagnostic } from './diagnostic.js';
import { formatMs } from './tree.js';

/** One side of a comparison: a plan analysed and diagnosed. */
export interface ComparedPlan {
  metrics: PlanMetrics;
  diagnostics: Diagnostic[];
}

/**
 * How two nodes were matched: `same` operation on the same object; `access-method` the same relation read
 * another way (Seq Scan → Index Scan); `operation` the same place in the tree done another way
 * (Hash Join → Nested Loop, Sort → Incremental Sort).
 */
export type MatchKind = 'same' | 'access-method' | 'operation';

export type Pair<T> = [before: T, after: T];

export interface NodeChange {
  before: number;
  after: number;
  kind: MatchKind;
  beforeLabel: string;
  afterLabel: string;
  relation: string | null;
  /** the node and everything below it, ms */
  inclusiveMs: Pair<number>;
  /** the node's own time, ms */
  exclusiveMs: Pair<number>;
  /** rows over all loops (null: not executed) */
  rows: Pair<number | null>;
  loops: Pair<number>;
  /** the node's cumulative buffers (itself and below): shared hit, shared read, shared written, temp read + written */
  buffers: { hit: Pair<number>; read: Pair<number>; written: Pair<number>; temp: Pair<number> };
  /** how the operation itself changed: "external merge, Disk: 18 MB → quicksort, Memory: 25 MB" */
  notes: string[];
}

export interface Headline {
  kind: 'improvement' | 'regression' | 'change';
  text: string;
  /** node ids on each side, when the headline is about a node */
  before: number | null;
  after: number | null;
  /** ms the change saved (negative: cost) */
  savedMs: number;
}

export interface ComparedDiagnostic {
  id: string;
  severity: string;
  /** the node it is about on its own side */
  nodeId: number | null;
  node: string | null;
  message: string;
}

export interface Comparison {
  analyzed: Pair<boolean>;
  totals: {
    executionMs: Pair<number | null>;
    planningMs: Pair<number | null>;
    totalMs: Pair<number>;
    rows: Pair<number | null>;
    buffers: { hit: Pair<number>; read: Pair<number>; written: Pair<number>; temp: Pair<number> };
  };
  /** before ÷ after of the total time; > 1 is faster (null: no time on one side) */
  speedup: number | null;
  verdict: 'faster' | 'slower' | 'unchanged' | 'not-timed';
  /** the changes worth naming, the biggest saving first */
  headlines: Headline[];
  matched: NodeChange[];
  /** nodes only the after plan has */
  added: Array<{ id: number; label: string; exclusiveMs: number }>;
  /** nodes only the before plan had */
  removed: Array<{ id: number; label: string; exclusiveMs: number }>;
  diagnostics: { resolved: ComparedDiagnostic[]; appeared: ComparedDiagnostic[]; remaining: ComparedDiagnostic[] };
}

const JOINS = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);
const SORTS = new Set(['Sort', 'Incremental Sort']);
const AGGREGATES = new Set(['Aggregate', 'Group']);
const GATHERS = new Set(['Gather', 'Gather Merge']);
const INDEX_PARTS = new Set(['Bitmap Index Scan', 'BitmapAnd', 'BitmapOr']);

/** The class of work a node does, for matching a changed operation at the same place in the tree. */
function operationClass(node: NodeMetrics): string {
  const t = node.nodeType;
  if (JOINS.has(t)) return 'join';
  if (SORTS.has(t)) return 'sort';
  if (AGGREGATES.has(t)) return 'aggregate';
  if (GATHERS.has(t)) return 'gather';
  if (INDEX_PARTS.has(t)) return 'bitmap-index';
  return t;
}

function qualifiedRelation(node: NodeMetrics): string | undefined {
  if (!node.relation) return undefined;
  const schema = node.raw.Schema;
  return schema && schema !== 'public' ? `${schema}.${node.relation}` : node.relation;
}

/** What identifies a node across two plans of the same query: operation, object, alias. */
function signature(node: NodeMetrics): string {
  const raw = node.raw;
  return [
    node.nodeType,
    raw.Operation,
    qualifiedRelation(node),
    node.index,
    raw.Alias,
    raw['CTE Name'],
    raw['Subplan Name'],
    raw['Function Name'],
    raw.Strategy,
    raw['Join Type'],
  ]
    .map((v) => (typeof v === 'string' ? v : ''))
    .join('\u0001');
}

/**
 * Matches the nodes of two plans, in three passes: the same operation on the same object (the parent's
 * match breaking ties), then the same relation and alias read another way (a change of access method),
 * then, below nodes already matched, the same kind of operation done another way. Pure.
 */
export function matchNodes(before: PlanMetrics, after: PlanMetrics): Array<{ before: number; after: number; kind: MatchKind }> {
  const toAfter = new Map<number, number>();
  const toBefore = new Map<number, number>();
  const kinds = new Map<number, MatchKind>();
  const link = (b: number, a: number, kind: MatchKind) => {
    toAfter.set(b, a);
    toBefore.set(a, b);
    kinds.set(b, kind);
  };
  const afterBySignature = new Map<string, NodeMetrics[]>();
  for (const node of after.nodes) {
    const key = signature(node);
    const list = afterBySignature.get(key);
    if (list) list.push(node);
    else afterBySignature.set(key, [node]);
  }
  const position = (n: NodeMetrics, plan: PlanMetrics) => (plan.nodes.length > 1 ? n.id / (plan.nodes.length - 1) : 0);
  // the candidate under the matched parent first, then under a parent of the same signature, then the nearest in the tree
  const best = (b: NodeMetrics, candidates: NodeMetrics[]): NodeMetrics | undefined => {
    const parentMatch = b.parentId === undefined ? undefined : toAfter.get(b.parentId);
    const parentSignature = b.parentId === undefined ? '' : signature(before.nodes[b.parentId]!);
    let chosen: NodeMetrics | undefined;
    let chosenScore = Infinity;
    for (const a of candidates) {
      if (toBefore.has(a.id)) continue;
      const sameParent = parentMatch !== undefined && a.parentId === parentMatch;
      const similarParent = (a.parentId === undefined ? '' : signature(after.nodes[a.parentId]!)) === parentSignature;
      const score = (sameParent ? 0 : similarParent ? 1000 : 2000) + Math.abs(a.depth - b.depth) * 10 + Math.abs(position(a, after) - position(b, before));
      if (score < chosenScore) {
        chosen = a;
        chosenScore = score;
      }
    }
    return chosen;
  };
  // 1. the same operation on the same object
  for (const b of before.nodes) {
    const a = best(b, afterBySignature.get(signature(b)) ?? []);
    if (a) link(b.id, a.id, 'same');
  }
  // 2. the same relation (and alias) read another way
  for (const b of before.nodes) {
    if (toAfter.has(b.id) || !b.relation) continue;
    const candidates = after.nodes.filter(
      (a) => !toBefore.has(a.id) && qualifiedRelation(a) === qualifiedRelation(b) && (a.raw.Alias ?? a.relation) === (b.raw.Alias ?? b.relation),
    );
    const a = best(b, candidates);
    if (a) link(b.id, a.id, a.nodeType === b.nodeType && a.index === b.index ? 'same' : 'access-method');
  }
  // 3. below matched parents (or at the root), the same kind of operation done another way
  for (let changed = true; changed; ) {
    changed = false;
    for (const b of before.nodes) {
      if (toAfter.has(b.id)) continue;
      let siblings: NodeMetrics[];
      if (b.parentId === undefined) siblings = after.nodes[0] ? [after.nodes[0]] : [];
      else {
        const parent = toAfter.get(b.parentId);
        if (parent === undefined) continue;
        siblings = after.nodes[parent]!.children.map((id) => after.nodes[id]!);
      }
      const cls = operationClass(b);
      const a = best(
        b,
        siblings.filter(
          (s) => !toBefore.has(s.id) && operationClass(s) === cls && (s.raw['Parent Relationship'] ?? '') === (b.raw['Parent Relationship'] ?? ''),
        ),
      );
      if (a) {
        link(b.id, a.id, 'operation');
        changed = true;
      }
    }
  }
  return [...toAfter].map(([b, a]) => ({ before: b, after: a, kind: kinds.get(b)! })).sort((x, y) => x.before - y.before);
}

export function formatKb(kb: number): string {
  if (kb >= 1024 * 1024) return `${(kb / 1024 / 1024).toFixed(1)} GB`;
  if (kb >= 1024) return `${(kb / 1024).toFixed(kb >= 10 * 1024 ? 0 : 1)} MB`;
  return `${Math.round(kb)} kB`;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function sortState(node: NodeMetrics): string | undefined {
  const method = node.raw['Sort Method'];
  if (typeof method !== 'string') return undefined;
  const space = node.raw['Sort Space Type'];
  const used = num(node.raw['Sort Space Used']);
  return `${method}${typeof space === 'string' ? ` ${space}: ${used === undefined ? '?' : formatKb(used)}` : ''}`;
}

/** How the operation of a matched pair changed, in EXPLAIN's words. */
function notesOf(b: NodeMetrics, a: NodeMetrics): string[] {
  const notes: string[] = [];
  const sb = sortState(b);
  const sa = sortState(a);
  if (sb && sa && sb !== sa) notes.push(`${sb} → ${sa}`);
  const hb = num(b.raw['Hash Batches']);
  const ha = num(a.raw['Hash Batches']);
  if (hb !== undefined && ha !== undefined && hb !== ha) notes.push(`${hb} hash batch${hb === 1 ? '' : 'es'} → ${ha}`);
  const ab = num(b.raw['HashAgg Batches']);
  const aa = num(a.raw['HashAgg Batches']);
  if (ab !== undefined && aa !== undefined && (ab !== aa || num(b.raw['Disk Usage']) !== num(a.raw['Disk Usage']))) {
    notes.push(
      `${ab} batch${ab === 1 ? '' : 'es'}, disk ${formatKb(num(b.raw['Disk Usage']) ?? 0)} → ${aa} batch${aa === 1 ? '' : 'es'}, disk ${formatKb(num(a.raw['Disk Usage']) ?? 0)}`,
    );
  }
  const lb = num(b.raw['Lossy Heap Blocks']);
  const la = num(a.raw['Lossy Heap Blocks']);
  if (lb !== undefined && la !== undefined && lb !== la) notes.push(`lossy heap blocks ${lb} → ${la}`);
  const wb = num(b.raw['Workers Launched']);
  const wa = num(a.raw['Workers Launched']);
  if (wb !== undefined && wa !== undefined && wb !== wa) notes.push(`workers launched ${wb} → ${wa}`);
  const eb = num(b.raw['Cache Evictions']);
  const ea = num(a.raw['Cache Evictions']);
  if (eb !== undefined && ea !== undefined && eb !== ea) notes.push(`cache evictions ${eb} → ${ea}`);
  return notes;
}

const pair = <T>(b: T, a: T): Pair<T> => [b, a];
const bufferPairs = (b: Buffers, a: Buffers) => ({
  hit: pair(b.hit, a.hit),
  read: pair(b.read, a.read),
  written: pair(b.written, a.written),
  temp: pair(b.tempRead + b.tempWritten, a.tempRead + a.tempWritten),
});

/** "455× faster", "2.5× slower", "about the same". */
export function speedText(beforeMs: number, afterMs: number): string {
  if (beforeMs <= 0 && afterMs <= 0) return 'about the same';
  if (afterMs <= 0) return 'faster';
  const ratio = beforeMs / afterMs;
  if (ratio >= 0.95 && ratio <= 1.05) return 'about the same';
  const factor = ratio >= 1 ? ratio : 1 / ratio;
  return `${factor >= 10 ? Math.round(factor).toLocaleString('en-US') : factor.toFixed(1)}× ${ratio >= 1 ? 'faster' : 'slower'}`;
}

/** The operation without the object: "Index Scan using users_email_idx"; a bitmap scan names its index scans. */
function accessOf(node: NodeMetrics, plan: PlanMetrics): string {
  const type = node.nodeType === 'ModifyTable' && typeof node.raw.Operation === 'string' ? node.raw.Operation : node.nodeType;
  if (node.index) return `${type} using ${node.index}`;
  if (node.nodeType === 'Bitmap Heap Scan') {
    const indexes: string[] = [];
    const walk = (id: number) => {
      const n = plan.nodes[id]!;
      if (n.index) indexes.push(n.index);
      n.children.forEach(walk);
    };
    node.children.forEach(walk);
    if (indexes.length > 0) return `${type} (${[...new Set(indexes)].join(', ')})`;
  }
  return type;
}

function subject(node: NodeMetrics): string {
  const relation = qualifiedRelation(node);
  const alias = node.raw.Alias;
  return relation ? `${relation}${alias && alias !== node.relation ? ` ${alias}` : ''}` : node.label;
}

function diagnosticsOf(side: ComparedPlan, d: Diagnostic): ComparedDiagnostic {
  const node = d.nodeId === undefined ? undefined : side.metrics.nodes[d.nodeId];
  return { id: d.id, severity: d.severity, nodeId: d.nodeId ?? null, node: node ? node.label : null, message: d.message };
}

/**
 * Compares two analysed plans of (usually) the same query: totals, matched nodes with their times, rows and
 * buffers, the nodes only one side has, the diagnostics that went away or appeared, and the changes worth
 * naming, biggest saving first. Pure.
 */
export function comparePlans(before: ComparedPlan, after: ComparedPlan): Comparison {
  const mb = before.metrics;
  const ma = after.metrics;
  const matches = matchNodes(mb, ma);
  const toAfter = new Map(matches.map((m) => [m.before, m.after]));
  const matchedAfter = new Set(matches.map((m) => m.after));
  const matched: NodeChange[] = matches.map(({ before: bi, after: ai, kind }) => {
    const b = mb.nodes[bi]!;
    const a = ma.nodes[ai]!;
    return {
      before: bi,
      after: ai,
      kind,
      beforeLabel: b.label,
      afterLabel: a.label,
      relation: qualifiedRelation(b) ?? qualifiedRelation(a) ?? null,
      inclusiveMs: pair(b.inclusiveMs, a.inclusiveMs),
      exclusiveMs: pair(b.exclusiveMs, a.exclusiveMs),
      rows: pair(b.actualRowsTotal ?? null, a.actualRowsTotal ?? null),
      loops: pair(b.loops, a.loops),
      buffers: bufferPairs(b.buffersInclusive, a.buffersInclusive),
      notes: notesOf(b, a),
    };
  });
  const added = ma.nodes.filter((n) => !matchedAfter.has(n.id)).map((n) => ({ id: n.id, label: n.label, exclusiveMs: n.exclusiveMs }));
  const removed = mb.nodes.filter((n) => !toAfter.has(n.id)).map((n) => ({ id: n.id, label: n.label, exclusiveMs: n.exclusiveMs }));

  const timed = mb.analyzed && ma.analyzed;
  const headlines: Headline[] = [];
  const biggest = Math.max(mb.totalMs, ma.totalMs);
  const sinceTime = (b: number, a: number) => (timed ? `, ${formatMs(b)} → ${formatMs(a)} (${speedText(b, a)})` : '');
  const kindOf = (b: number, a: number): Headline['kind'] => (!timed ? 'change' : a < b * 0.95 ? 'improvement' : a > b * 1.05 ? 'regression' : 'change');
  // a node counted inside a headline's subtree is not named again on its own
  const covered = new Set<number>();
  const subtree = (plan: PlanMetrics, id: number, into: Set<number>) => {
    into.add(id);
    for (const child of plan.nodes[id]!.children) subtree(plan, child, into);
  };
  const coveredAfter = new Set<number>();
  for (const change of matched) {
    const b = mb.nodes[change.before]!;
    const a = ma.nodes[change.after]!;
    if (change.kind === 'same' && change.notes.length === 0) continue;
    const [tb, ta] = change.kind === 'same' ? change.exclusiveMs : change.inclusiveMs;
    const what =
      change.kind === 'same'
        ? `${b.label}: ${change.notes.join('; ')}`
        : change.kind === 'access-method'
          ? `${subject(b)}: ${accessOf(b, mb)} → ${accessOf(a, ma)}${change.notes.length ? ` (${change.notes.join('; ')})` : ''}`
          : `${b.label} → ${a.label}${change.notes.length ? ` (${change.notes.join('; ')})` : ''}`;
    headlines.push({ kind: kindOf(tb, ta), text: `${what}${sinceTime(tb, ta)}`, before: change.before, after: change.after, savedMs: timed ? tb - ta : 0 });
    if (change.kind !== 'same') {
      subtree(mb, change.before, covered);
      subtree(ma, change.after, coveredAfter);
    } else {
      covered.add(change.before);
      coveredAfter.add(change.after);
    }
  }
  if (timed) {
    // the same operation, much faster or slower on its own
    for (const change of matched) {
      if (covered.has(change.before) || coveredAfter.has(change.after)) continue;
      const [tb, ta] = change.exclusiveMs;
      const ratio = Math.max(tb, ta) / Math.max(Math.min(tb, ta), 0.001);
      if (ratio < 2 || Math.abs(tb - ta) < Math.max(1, biggest * 0.1)) continue;
      headlines.push({ kind: kindOf(tb, ta), text: `${change.beforeLabel}${sinceTime(tb, ta)}`, before: change.before, after: change.after, savedMs: tb - ta });
    }
    for (const n of added) {
      if (coveredAfter.has(n.id) || n.exclusiveMs < Math.max(1, biggest * 0.1)) continue;
      headlines.push({ kind: 'regression', text: `new ${n.label}: ${formatMs(n.exclusiveMs)}`, before: null, after: n.id, savedMs: -n.exclusiveMs });
    }
    for (const n of removed) {
      if (covered.has(n.id) || n.exclusiveMs < Math.max(1, biggest * 0.1)) continue;
      headlines.push({ kind: 'improvement', text: `${n.label} is gone: ${formatMs(n.exclusiveMs)} saved`, before: n.id, after: null, savedMs: n.exclusiveMs });
    }
  }
  headlines.sort((x, y) => Math.abs(y.savedMs) - Math.abs(x.savedMs));

  // a diagnostic persists when the same finding is made about the matched node (or the plan as a whole)
  const key = (id: string, node: number | undefined) => `${id}\u0001${node ?? 'plan'}`;
  const afterKeys = new Set(after.diagnostics.map((d) => key(d.id, d.nodeId)));
  const beforeKeysInAfter = new Set(before.diagnostics.map((d) => key(d.id, d.nodeId === undefined ? undefined : (toAfter.get(d.nodeId) ?? -1 - d.nodeId))));
  const resolved = before.diagnostics.filter((d) => !afterKeys.has(key(d.id, d.nodeId === undefined ? undefined : (toAfter.get(d.nodeId) ?? -1 - d.nodeId))));
  const appeared = after.diagnostics.filter((d) => !beforeKeysInAfter.has(key(d.id, d.nodeId)));
  const remaining = after.diagnostics.filter((d) => beforeKeysInAfter.has(key(d.id, d.nodeId)));

  const rb = mb.nodes[0];
  const ra = ma.nodes[0];
  const empty: Buffers = { hit: 0, read: 0, dirtied: 0, written: 0, tempRead: 0, tempWritten: 0 };
  const speedup = timed && ma.totalMs > 0 ? mb.totalMs / ma.totalMs : null;
  return {
    analyzed: pair(mb.analyzed, ma.analyzed),
    totals: {
      executionMs: pair(mb.executionMs ?? null, ma.executionMs ?? null),
      planningMs: pair(mb.planningMs ?? null, ma.planningMs ?? null),
      totalMs: pair(mb.totalMs, ma.totalMs),
      rows: pair(rb?.actualRowsTotal ?? null, ra?.actualRowsTotal ?? null),
      buffers: bufferPairs(rb?.buffersInclusive ?? empty, ra?.buffersInclusive ?? empty),
    },
    speedup,
    verdict: !timed ? 'not-timed' : speedup === null ? 'faster' : speedup > 1.05 ? 'faster' : speedup < 1 / 1.05 ? 'slower' : 'unchanged',
    headlines,
    matched,
    added,
    removed,
    diagnostics: {
      resolved: resolved.map((d) => diagnosticsOf(before, d)),
      appeared: appeared.map((d) => diagnosticsOf(after, d)),
      remaining: remaining.map((d) => diagnosticsOf(after, d)),
    },
  };
}

/** The regression --fail-on-regression fails on: the after plan at least 20% and 1 ms slower in total. */
export function isRegression(c: Comparison): boolean {
  const [b, a] = c.totals.totalMs;
  return c.analyzed[0] && c.analyzed[1] && a > b * 1.2 && a - b >= 1;
}
