import { quoteIdent } from '../sql-ident.js';
import type { NodeMetrics, PlanMetrics } from './analyze.js';
import type { IndexKey } from './conditions.js';
import { conditionKeys, indexElements, parenthesized } from './conditions.js';
import type { DiagnosticDraft } from './diagnostic.js';

/** Index advice that needs more than one node, or the keys of a condition. Pure; needs the parser loaded. */

const count = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The alias a node's conditions use for its relation. */
export function qualifierOf(node: NodeMetrics): string | undefined {
  return node.raw.Alias ?? node.relation;
}

function relationSql(node: NodeMetrics): string | undefined {
  if (!node.relation) return undefined;
  const schema = typeof node.raw.Schema === 'string' && node.raw.Schema !== 'public' ? `${quoteIdent(node.raw.Schema)}.` : '';
  return `${schema}${quoteIdent(node.relation)}`;
}

/** `CREATE INDEX CONCURRENTLY ON t (…);` for the given elements of the node's relation. */
export function createIndexSql(node: NodeMetrics, elements: string[] | undefined): string | undefined {
  const relation = relationSql(node);
  return relation && elements ? `CREATE INDEX CONCURRENTLY ON ${relation} (${elements.join(', ')});` : undefined;
}

/** The scan a join input reads its rows with: the input itself, or the scan below its Hash / Materialize. */
function scanBelow(node: NodeMetrics, plan: PlanMetrics): NodeMetrics | undefined {
  let current: NodeMetrics | undefined = node;
  while (current && (current.nodeType === 'Hash' || current.nodeType === 'Materialize') && current.children.length === 1)
    current = plan.nodes[current.children[0]!];
  return current?.nodeType === 'Seq Scan' ? current : undefined;
}

const rowsRead = (scan: NodeMetrics) => (scan.actualRowsTotal ?? 0) + scan.removedByFilterTotal;

/**
 * A Hash Join that reads a big table in full to keep a handful of rows: the other input is small (and was
 * estimated small, so the planner knew), the join's output is a sliver of what the scan read, and
 * reading and probing with the big side is most of the join's time. With an index on the big side's join key a nested loop would look
 * up only the matching rows — that the planner did not choose one says there is no such index.
 */
export function hashJoinWithoutIndex(node: NodeMetrics, plan: PlanMetrics): DiagnosticDraft | undefined {
  if (node.nodeType !== 'Hash Join' || node.children.length !== 2) return undefined;
  const joined = node.actualRowsTotal ?? 0;
  for (const [bigId, smallId] of [
    [node.children[0]!, node.children[1]!],
    [node.children[1]!, node.children[0]!],
  ] as const) {
    const scan = scanBelow(plan.nodes[bigId]!, plan);
    const other = plan.nodes[smallId]!;
    if (!scan?.relation) continue;
    const read = rowsRead(scan);
    const otherRows = other.actualRowsTotal ?? Infinity;
    const otherEstimate = (other.planRows ?? Infinity) * Math.max(other.loops, 1);
    if (read < 10_000 || joined > read / 100 || otherRows > Math.min(1000, read / 100) || otherEstimate > 1000) continue;
    // reading the big side and probing with every row of it is the time an index lookup would save
    const bigSideMs = plan.nodes[bigId]!.inclusiveMs + node.exclusiveMs;
    if (bigSideMs < node.inclusiveMs * 0.5 || node.inclusiveMs < plan.totalMs * 0.1) continue;
    const keys = conditionKeys(node.raw['Hash Cond'], qualifierOf(scan)).filter((k) => k.join);
    const elements = indexElements(keys);
    if (!elements) continue;
    return {
      id: 'join-without-index',
      nodeId: node.id,
      costMs: bigSideMs,
      message: `${node.label} on ${node.raw['Hash Cond'] ?? '?'} kept ${count(joined)} row${joined === 1 ? '' : 's'}, but ${scan.label} read all ${count(read)} rows of ${scan.relation} to find them (that side took ${pct(bigSideMs / Math.max(node.inclusiveMs, 1e-9))} of the join's time), for ${count(otherRows)} row${otherRows === 1 ? '' : 's'} on the other side.`,
      suggestion: `An index on ${scan.relation} (${elements.join(', ')}) lets a nested loop look up only the rows matching the ${count(otherRows)} row${otherRows === 1 ? '' : 's'} of the other side instead of reading the whole table.`,
      sql: createIndexSql(scan, elements),
      evidence: {
        rowsRead: read,
        rowsJoined: joined,
        otherSideRows: otherRows,
        scanMs: Number(scan.exclusiveMs.toFixed(3)),
        bigSideMs: Number(bigSideMs.toFixed(3)),
      },
    };
  }
  return undefined;
}

/** The node's conditions, as keys of its relation. */
function nodeKeys(node: NodeMetrics): IndexKey[] {
  const qualifier = qualifierOf(node);
  return [node.raw['Index Cond'], node.raw['Recheck Cond'], node.raw.Filter].flatMap((c) => conditionKeys(c, qualifier));
}

/**
 * For a misestimated scan whose condition compares an expression (`lower(email) = …`): ANALYZE cannot
 * help, PostgreSQL keeps no statistics on an expression until an expression index or (14+) CREATE
 * STATISTICS on it exists. The advice and statement for that, or undefined when no condition is an
 * expression of the scanned relation's columns.
 */
export function expressionEstimateAdvice(node: NodeMetrics): { suggestion: string; sql: string } | undefined {
  const relation = relationSql(node);
  if (!relation) return undefined;
  const expressions = [
    ...new Set(
      nodeKeys(node)
        .filter((k) => k.expression !== undefined)
        .map((k) => k.expression!),
    ),
  ];
  if (expressions.length === 0) return undefined;
  const list = expressions.map(parenthesized).join(', ');
  const name = quoteIdent(`${node.relation}_${expressions.map((e) => e.replace(/[^a-z0-9]+/gi, '_')).join('_')}_stats`.replace(/_+/g, '_').slice(0, 63));
  return {
    suggestion: `The condition compares ${expressions.join(', ')}, and PostgreSQL keeps no statistics on an expression, so ANALYZE cannot fix this estimate. An expression index gives the planner statistics after the next ANALYZE (and a fast lookup); without the index, on PostgreSQL 14+: CREATE STATISTICS ${name} ON ${list} FROM ${relation}; ANALYZE ${relation};`,
    sql: `CREATE INDEX CONCURRENTLY ON ${relation} (${list}); ANALYZE ${relation};`,
  };
}
