import { createHash } from 'node:crypto';
import type { Comparison } from '../compare.js';
import { speedText } from '../compare.js';
import { formatMs } from '../tree.js';
import type { PagePlan, PlanView } from './data.js';
import { pagePlan } from './data.js';
import { SCRIPT } from './script.js';
import { STYLE } from './style.js';

/** The characters that end or begin markup, escaped for text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/**
 * JSON that can sit inside <script type="application/json">: `<`, `>` and `&` as \u escapes, so no text
 * from the plan can close the element or open a comment, and the line separators JavaScript once choked on.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
/**
 * Nothing may be fetched: no network, no other file. The one script runs by its hash; styles are inline
 * (the script sets widths and positions through the CSSOM).
 */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; script-src 'sha256-${sha256(SCRIPT)}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;

function page(title: string, data: unknown, heading: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="dbtool">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(heading)}</h1></header>
<main id="app"><noscript><p>The plan view needs JavaScript; the plan's data is in the JSON block of this file.</p></noscript></main>
<script type="application/json" id="dbtool-data">${jsonForScript(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function titleOf(plan: PagePlan): string {
  const root = plan.nodes[0];
  return `${root ? root.l : 'plan'}${plan.analyzed ? ` — ${formatMs(plan.totals.totalMs)}` : ''}`;
}

/**
 * One self-contained HTML file for a plan: an interactive tree, an icicle of where the time goes, the
 * findings linked to their nodes, the query and the settings. No network access, nothing else read.
 * Pure; the view decides whether literals are shown (see viewOf).
 */
export function renderPlanHtml(view: PlanView, toolVersion: string): string {
  const plan = pagePlan(view);
  return page(`dbtool explain: ${titleOf(plan)}`, { kind: 'plan', tool: 'dbtool', version: toolVersion, plan }, 'dbtool explain');
}

/** The comparison page: what changed (headlines, totals, findings, nodes), then either plan in full. */
export function renderCompareHtml(before: PlanView, after: PlanView, comparison: Comparison, toolVersion: string): string {
  const [b, a] = comparison.totals.totalMs;
  const data = {
    kind: 'compare',
    tool: 'dbtool',
    version: toolVersion,
    before: pagePlan(before),
    after: pagePlan(after),
    comparison,
    speed: speedText(b, a),
  };
  const heading =
    comparison.analyzed[0] && comparison.analyzed[1]
      ? `dbtool explain --compare: ${formatMs(b)} → ${formatMs(a)} (${speedText(b, a)})`
      : 'dbtool explain --compare';
  return page(heading, data, heading);
}
