import type { AlterTableCmd, AlterTableStmt, ColumnDef, RangeVar } from '@pgsql/types';
import { asNode, nodeTag, relationKey } from './ast.js';
import { applyStatement } from './catalog/apply.js';
import { Catalog } from './catalog/model.js';
import { columnDefFacts } from './column-def.js';
import { doBlockStatements } from './do-statements.js';
import type { AnalyzedEffects, EffectContext } from './effects/index.js';
import { analyzeEffects } from './effects/index.js';
import type { Finding, ReviewSettings, Rule, RuleContext, RuleFinding, Severity } from './findings.js';
import { finishReview } from './finish.js';
import type { IgnoreDirective } from './ignore.js';
import { findDirectives, invalidDirective, unusedDirective } from './ignore.js';
import type { ParsedFile, ParsedStatement } from './parse.js';
import { parseSql } from './parse.js';
import type { FileReport, FolderSource, InputProblem, Report, SourceFile, StatementReport } from './report-types.js';
import { INPUT_RULES, RULES } from './rules/index.js';
import { KNOWN_RULE_IDS } from './rules/known-ids.js';
import type { SourceText } from './source-text.js';
import { TransactionTracker } from './transaction.js';

/** Reviews folders: each file against the schema its folder's earlier files built. Pure: no IO. */
export function review(folders: FolderSource[], settings: ReviewSettings): Report {
  return finishReview(
    folders.flatMap((folder) => reviewFolder(folder, settings).map((r) => r.report)),
    settings,
  );
}

/** What a cache may change in how one folder is reviewed; the reports come out the same. */
export interface FolderHooks {
  /** parses a file's text (a cache may answer instead of the parser) */
  parse?: (text: string) => ParsedFile;
  /** starts at file `at` with the schema the files before it built; valid only where `onCatalogBoundary` was called */
  resume?: { at: number; catalog: Catalog };
  /** called before file `index` when all the review carries into it is the catalog (no run under way) */
  onCatalogBoundary?: (index: number, catalog: Catalog) => void;
  /** called with the schema after the folder's last file */
  onFolderEnd?: (catalog: Catalog) => void;
}

export interface FolderFileReport {
  /** the file's position in the folder */
  index: number;
  report: FileReport;
}

/** The reviewed files of one folder, before configured severities are applied (`finishReview`). */
export function reviewFolder(folder: FolderSource, settings: ReviewSettings, hooks: FolderHooks = {}): FolderFileReport[] {
  const out: FolderFileReport[] = [];
  const catalog = hooks.resume?.catalog ?? new Catalog();
  const freshRun = (): FolderState => ({
    catalog,
    transaction: new TransactionTracker(settings.transactionMode),
    pending: [],
    createdInRun: new Set(),
    nullColumnsInRun: new Set(),
    filledInRun: new Set(),
  });
  const parse = hooks.parse ?? parseSql;
  let folderState = freshRun();
  let runStarted = false;
  for (let index = hooks.resume?.at ?? 0; index < folder.files.length; index++) {
    const file = folder.files[index]!;
    if (folder.eachAlone && file.review) {
      folderState = freshRun();
      runStarted = false;
    }
    if (!runStarted && file.review) hooks.onCatalogBoundary?.(index, catalog);
    const report = reviewFile(file, folderState, settings, parse);
    if (file.review) {
      out.push({ index, report });
      runStarted = true;
    }
    if (folder.eachAlone && file.review) resolvePending(folderState);
  }
  resolvePending(folderState);
  hooks.onFolderEnd?.(catalog);
  return out;
}

/** Applies the configured severities and sums up: the reports of all folders become one Report. */

/** Drops the findings a later statement of the run made moot (an index created after its foreign key). */
function resolvePending(state: FolderState): void {
  for (const { statement, finding, resolvedBy } of state.pending) {
    if (resolvedBy(state.catalog)) statement.findings = statement.findings.filter((f) => f !== finding);
  }
  state.pending = [];
}

/** What the review of one folder carries from file to file. */
interface FolderState {
  catalog: Catalog;
  transaction: TransactionTracker;
  pending: Array<{ statement: StatementReport; finding: Finding; resolvedBy: NonNullable<RuleFinding['resolvedBy']> }>;
  /** tables created (and columns added empty) by earlier reviewed files, when they run in the same go */
  createdInRun: Set<string>;
  nullColumnsInRun: Set<string>;
  /** new tables a statement of the run has written rows into: no longer known to be empty */
  filledInRun: Set<string>;
}

function reviewFile(file: SourceFile, folder: FolderState, settings: ReviewSettings, parse: (text: string) => ParsedFile): FileReport {
  const { catalog } = folder;
  const fileFindings = file.problems.map((p) => inputFinding(p));
  const report: FileReport = { path: file.path, migration: file.migration, statements: [], findings: fileFindings, text: file.text, suppressed: 0 };
  if (file.text === undefined) return report;
  const parsed = file.parsed ?? parse(file.text);
  if (!file.review) {
    // an earlier migration only builds the schema the reviewed ones are judged against
    for (const statement of parsed.statements) applyStatement(catalog, statement.node);
    return report;
  }
  if (parsed.byteOrderMark) {
    report.findings.push({
      rule: 'syntax-error',
      severity: 'error',
      line: 1,
      column: 1,
      fix: null,
      message: 'The file starts with a UTF-8 byte order mark: migration runners send it to PostgreSQL, which rejects the first statement.',
      help: 'Save the file as UTF-8 without BOM (most editors have the option; or strip the first three bytes).',
    });
  }
  folder.transaction.startFile(file.migration);
  const reportedOnce = new Set<string>();
  // a table an earlier file of the same run created is still empty when this one runs
  const createdInFile = settings.newAcrossFiles ? folder.createdInRun : new Set<string>();
  const nullColumns = settings.newAcrossFiles ? folder.nullColumnsInRun : new Set<string>();
  const filled = settings.newAcrossFiles ? folder.filledInRun : new Set<string>();
  const effectContext: EffectContext = {
    catalog,
    pgVersion: settings.pgVersion,
    timezoneIsUtc: settings.timezoneIsUtc,
    newTables: createdInFile,
    nullColumns,
    filledTables: filled,
  };
  const fileDirectives = findDirectives(parsed.source, parsed.source.text, 0, 'file');
  const directives: IgnoreDirective[] = [...fileDirectives];
  const base = { settings, effectContext, transaction: folder.transaction, fileStatements: parsed.statements };
  for (const statement of parsed.statements) {
    const { report: reviewed, effects, resolvers } = reviewStatement(statement, base, parsed.source, createdInFile);
    const own = findDirectives(parsed.source, statement.leading, statement.leadingStart, 'statement');
    if (own.length > 0) directives.push(...own);
    // most statements have no finding: nothing to filter then
    if (reviewed.findings.length > 0) {
      reviewed.findings = reviewed.findings.filter((finding) => {
        if (!ONCE_PER_FILE.has(finding.rule)) return true;
        if (reportedOnce.has(finding.rule)) return false;
        reportedOnce.add(finding.rule);
        return true;
      });
      const silencers = [...own, ...fileDirectives];
      reviewed.findings = reviewed.findings.filter((finding) => {
        const silencer = silencers.find((d) => d.rules.includes(finding.rule));
        if (!silencer) return true;
        silencer.used.add(finding.rule);
        report.suppressed++;
        return false;
      });
    }
    for (const finding of reviewed.findings) {
      const resolvedBy = resolvers.get(finding);
      if (resolvedBy) folder.pending.push({ statement: reviewed, finding, resolvedBy });
    }
    report.statements.push(reviewed);
    if (effects) folder.transaction.record(statement.node, effects, statement.line, createdInFile);
    applyStatement(catalog, statement.node);
    const created = createdRelation(statement) ?? renamedNewTable(statement, createdInFile);
    if (created) createdInFile.add(created);
    for (const column of addedNullColumns(statement)) nullColumns.add(column);
    // a backfill or an insert gives such a column values: it is no longer NULL everywhere
    const written = writtenTable(statement);
    if (written) {
      filled.add(written);
      for (const column of [...nullColumns]) if (column.startsWith(`${written}.`)) nullColumns.delete(column);
    }
  }
  collapseTemplateErrors(report);
  for (const directive of directives) {
    for (const problem of [...invalidDirective(directive, KNOWN_RULE_IDS), ...unusedDirective(directive, KNOWN_RULE_IDS)]) {
      report.findings.push({ ...problem, severity: INPUT_RULES[problem.rule].severity as Severity, fix: null });
    }
  }
  return report;
}

const TEMPLATE_PLACEHOLDER = /\{\{[^}]*\}\}|\$\{[^}]*\}/;

/**
 * A file of templated SQL (`{{ .Namespace }}`, `${schema}`) fails to parse at every placeholder: one finding
 * that says so is more useful than one per statement.
 */
function collapseTemplateErrors(report: FileReport): void {
  const templated = report.statements.filter((s) => s.findings.some((f) => f.rule === 'syntax-error') && TEMPLATE_PLACEHOLDER.test(s.sql));
  if (templated.length < 2) return;
  const [first, ...rest] = templated;
  const finding = first?.findings.find((f) => f.rule === 'syntax-error');
  if (!first || !finding) return;
  finding.message = `${templated.length} statements contain template placeholders (${first.sql.match(TEMPLATE_PLACEHOLDER)?.[0] ?? '{{ }}'}) and do not parse: this file is a template, not SQL PostgreSQL can run. ${finding.message}`;
  finding.help = 'Review the rendered SQL (render the template first, e.g. into a temporary folder), or exclude template files in the configuration.';
  for (const statement of rest) statement.findings = statement.findings.filter((f) => f.rule !== 'syntax-error');
}

interface ReviewedStatement {
  report: StatementReport;
  /** undefined when the statement does not parse */
  effects: AnalyzedEffects | undefined;
  resolvers: Map<Finding, NonNullable<RuleFinding['resolvedBy']>>;
}

function reviewStatement(
  statement: ParsedStatement,
  base: Omit<RuleContext, 'statement' | 'effects'>,
  source: SourceText,
  createdInFile: Set<string>,
): ReviewedStatement {
  const kind = nodeTag(statement.node) ?? 'unknown';
  const resolvers = new Map<Finding, NonNullable<RuleFinding['resolvedBy']>>();
  // objects are built field by field rather than spread: this runs for every statement, mostly in cold code
  if (statement.syntaxError) {
    const { message, line, column } = statement.syntaxError;
    const finding: Finding = {
      rule: 'syntax-error',
      severity: 'error',
      message: `Syntax error: ${message}.`,
      line,
      column,
      fix: null,
      help: 'Fix the SQL: PostgreSQL would reject this statement and the migration would stop here. Templated SQL must be rendered before review.',
    };
    const report: StatementReport = {
      line: statement.line,
      column: statement.column,
      endLine: statement.endLine,
      sql: statement.sql,
      locks: {},
      rewrites: [],
      scans: [],
      transaction: 'allowed',
      findings: [finding],
      notes: [],
      kind,
      unknown: true,
    };
    return { report, effects: undefined, resolvers };
  }
  // the statements a DO block runs are judged one by one, at their own positions; a table one of them creates
  // is new for the statements after it, in the block and in the file
  const inner = doBlockStatements(statement, source, base.effectContext.catalog);
  const innerFindings = inner.flatMap((s) => {
    const found = checkRules(s, analyzeEffects(s.node, base.effectContext), base, resolvers)
      // an EXCEPTION handler may catch the error: the block's outcome is not a failure of the migration
      .filter((f) => !(f.rule === 'statement-will-fail' && s.catches.size > 0) && !(f.rule === 'data-dependent-change' && s.catches.has('others')));
    const created = createdRelation(s);
    if (created) createdInFile.add(created);
    return found;
  });
  const effects = analyzeEffects(statement.node, base.effectContext);
  let findings = checkRules(statement, effects, base, resolvers);
  if (innerFindings.length > 0) {
    // a rule the inner statements trigger replaces what it said about the block as a whole
    const judged = new Set(innerFindings.map((f) => f.rule));
    findings = [...findings.filter((f) => !judged.has(f.rule)), ...innerFindings];
  }
  const report: StatementReport = {
    line: statement.line,
    column: statement.column,
    endLine: statement.endLine,
    sql: statement.sql,
    locks: effects.locks,
    rewrites: effects.rewrites,
    scans: effects.scans,
    transaction: effects.transaction,
    findings,
    notes: effects.notes,
    kind,
    unknown: effects.unknown,
  };
  const created = base.effectContext.newTables;
  if (created.size > 0) {
    // the effects name relations for display ("t", "app.t"); the set holds keys ("public.t")
    const fresh = [...new Set([...Object.keys(effects.locks), ...effects.rewrites, ...effects.scans])].filter((r) =>
      created.has(r.includes('.') ? r : `public.${r}`),
    );
    if (fresh.length > 0) report.newRelations = fresh;
  }
  return { report, effects, resolvers };
}

function checkRules(
  statement: ParsedStatement,
  effects: AnalyzedEffects,
  base: Omit<RuleContext, 'statement' | 'effects'>,
  resolvers: Map<Finding, NonNullable<RuleFinding['resolvedBy']>>,
): Finding[] {
  const findings: Finding[] = [];
  const ctx: RuleContext = {
    settings: base.settings,
    effectContext: base.effectContext,
    transaction: base.transaction,
    fileStatements: base.fileStatements,
    statement,
    effects,
  };
  for (const rule of enabledRules(base.settings)) {
    for (const found of rule.check(ctx)) {
      const finding: Finding = {
        rule: rule.id,
        severity: rule.severity,
        line: found.line ?? statement.line,
        column: found.column ?? statement.column,
        message: found.message,
        help: found.help,
        fix: found.fix,
      };
      if (found.resolvedBy) resolvers.set(finding, found.resolvedBy);
      findings.push(finding);
    }
  }
  return findings;
}

const enabledBySettings = new WeakMap<ReviewSettings, readonly Rule[]>();

/** The rules the settings turn on, in registry order: worked out once per review, not once per statement. */
function enabledRules(settings: ReviewSettings): readonly Rule[] {
  let rules = enabledBySettings.get(settings);
  if (!rules) {
    rules = RULES.filter((rule) => ruleEnabled(rule, settings));
    enabledBySettings.set(settings, rules);
  }
  return rules;
}

/** Style rules are off until the configuration names them; any rule can be turned off. */
function ruleEnabled(rule: Rule, settings: ReviewSettings): boolean {
  const setting = settings.rules?.[rule.id];
  if (setting === 'off') return false;
  return setting !== undefined || rule.defaultEnabled !== false;
}

const ONCE_PER_FILE: ReadonlySet<string> = new Set(RULES.filter((r) => r.oncePerFile).map((r) => r.id));

/** The catalog key of the relation a statement creates, if it creates one. */
function createdRelation(statement: ParsedStatement): string | undefined {
  const node = statement.node;
  const create = asNode<{ relation?: RangeVar }>(node, 'CreateStmt');
  if (create) return relationKey(create.relation);
  const ctas = asNode<{ into?: { rel?: RangeVar } }>(node, 'CreateTableAsStmt');
  if (ctas) return relationKey(ctas.into?.rel);
  const view = asNode<{ view?: RangeVar }>(node, 'ViewStmt');
  if (view) return relationKey(view.view);
  return undefined;
}

/** A new table renamed is still new (drizzle-kit renames tables it just created when asked to). */
function renamedNewTable(statement: ParsedStatement, created: ReadonlySet<string>): string | undefined {
  const rename = asNode<{ renameType?: string; relation?: RangeVar; newname?: string }>(statement.node, 'RenameStmt');
  if (rename?.renameType !== 'OBJECT_TABLE' || !rename.newname || !rename.relation) return undefined;
  const from = relationKey(rename.relation);
  if (!created.has(from)) return undefined;
  return `${from.slice(0, from.lastIndexOf('.'))}.${rename.newname}`;
}

/** Columns an ALTER TABLE adds with nothing to fill them: NULL in every existing row. */
function addedNullColumns(statement: ParsedStatement): string[] {
  const alter = asNode<AlterTableStmt>(statement.node, 'AlterTableStmt');
  if (!alter) return [];
  const table = relationKey(alter.relation);
  return (alter.cmds ?? [])
    .map((item) => asNode<AlterTableCmd>(item, 'AlterTableCmd'))
    .filter((cmd) => cmd?.subtype === 'AT_AddColumn')
    .map((cmd) => asNode<ColumnDef>(cmd?.def, 'ColumnDef'))
    .filter((def): def is ColumnDef => def?.colname !== undefined && !columnDefFacts(def).filled)
    .map((def) => `${table}.${def.colname}`);
}

/** The table an UPDATE, INSERT, MERGE or COPY FROM writes rows of. */
function writtenTable(statement: ParsedStatement): string | undefined {
  const node = statement.node;
  const target =
    asNode<{ relation?: RangeVar }>(node, 'UpdateStmt') ??
    asNode<{ relation?: RangeVar }>(node, 'InsertStmt') ??
    asNode<{ relation?: RangeVar }>(node, 'MergeStmt');
  if (target?.relation) return relationKey(target.relation);
  const copy = asNode<{ relation?: RangeVar; is_from?: boolean }>(node, 'CopyStmt');
  return copy?.is_from && copy.relation ? relationKey(copy.relation) : undefined;
}

function inputFinding(problem: InputProblem): Finding {
  return {
    rule: problem.rule,
    severity: INPUT_RULES[problem.rule].severity as Severity,
    message: problem.message,
    help: problem.help,
    line: problem.line ?? 1,
    column: problem.column ?? 1,
    fix: null,
  };
}
