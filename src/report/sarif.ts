import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Severity } from '../review/findings.js';
import { allFindings } from '../review/finish.js';
import type { FileReport, Report } from '../review/report-types.js';
import type { RuleRow } from '../review/rules/rows.js';
import { ruleRows } from '../review/rules/rows.js';
import { rulePageMarkdown, rulePageText } from './rule-markdown.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * SARIF 2.1.0 for code-scanning services (GitHub uploads it with codeql-action/upload-sarif): every rule with
 * its full page as help, every finding with its location, and a fingerprint that survives lines moving above it.
 */
export function reviewToSarif(report: Report, toolVersion: string): string {
  const rows = ruleRows();
  const index = new Map(rows.map((r, i) => [r.id, i]));
  const results = report.files.flatMap((file) => fileResults(file, index));
  const log = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dbtool',
            semanticVersion: toolVersion,
            version: toolVersion,
            rules: rows.map(ruleDescriptor),
          },
        },
        // URIs in results are relative to where dbtool ran, which in CI is the repository root
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'the directory dbtool review-migration ran in' } } },
        columnKind: 'utf16CodeUnits',
        results,
        properties: { pgVersion: report.pgVersion, summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function ruleDescriptor(row: RuleRow) {
  return {
    id: row.id,
    name: row.id
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: row.summary },
    fullDescription: { text: row.docs.why },
    ...(row.reference ? { helpUri: row.reference } : {}),
    help: { text: rulePageText(row), markdown: rulePageMarkdown(row) },
    defaultConfiguration: { level: LEVEL[row.severity], enabled: row.enabledByDefault },
    properties: { tags: ['postgresql', 'migration', row.kind === 'input' ? 'input' : 'statement'] },
  };
}

function fileResults(file: FileReport, index: Map<string, number>) {
  const location = artifactLocation(file.path);
  const seen = new Map<string, number>();
  const statementOf = (f: Finding) => file.statements.find((s) => s.findings.includes(f));
  return allFindings(file).map((finding) => {
    const statement = statementOf(finding);
    // the statement text, not its line, identifies a finding across edits; repeats are numbered
    const basis = `${finding.rule}\0${file.migration}\0${statement ? statement.sql.replace(/\s+/g, ' ').trim() : finding.message}`;
    const occurrence = (seen.get(basis) ?? 0) + 1;
    seen.set(basis, occurrence);
    const region = {
      startLine: finding.line,
      startColumn: finding.column,
      ...(statement && statement.endLine >= finding.line ? { endLine: statement.endLine } : {}),
    };
    const ruleIndex = index.get(finding.rule);
    return {
      ruleId: finding.rule,
      ...(ruleIndex === undefined ? {} : { ruleIndex }),
      level: LEVEL[finding.severity],
      message: { text: `${finding.message}\n${finding.help}${finding.fix ? `\nSafer SQL:\n${finding.fix}` : ''}` },
      locations: [{ physicalLocation: { artifactLocation: location, region } }],
      partialFingerprints: { 'dbtoolFinding/v1': `${createHash('sha256').update(basis).digest('hex').slice(0, 32)}:${occurrence}` },
      ...(finding.fix ? { properties: { fix: finding.fix } } : {}),
    };
  });
}

/** A relative path as a URI reference against %SRCROOT% (forward slashes, reserved characters escaped); an absolute one as a file URI. */
function artifactLocation(path: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(path)) return { uri: pathToFileURL(path).href };
  return {
    uri: path
      .replace(/\\/g, '/')
      .split('/')
      .map((segment) => encodeURIComponent(segment))
      .join('/'),
    uriBaseId: '%SRCROOT%',
  };
}
