import { applyStatement } from '../../review/catalog/apply.js';
import { Catalog } from '../../review/catalog/model.js';
import { review as runReview } from '../../review/engine.js';
import type { ReviewSettings } from '../../review/findings.js';
import type { ParsedFile } from '../../review/parse.js';
import { parseSql } from '../../review/parse.js';
import type { FileReport, FolderSource, Report, SourceFile, StatementReport } from '../../review/report-types.js';

/** What the AI side needs to know about a migration review: its inputs, its settings and its result. */
export interface MigrationReview {
  folders: FolderSource[];
  settings: ReviewSettings;
  report: Report;
}

/** A file under review with the folder it came from, so its history can be replayed. */
export interface ReviewedFile {
  folder: FolderSource;
  /** position of the file in its folder */
  index: number;
  source: SourceFile;
  report: FileReport;
}

/** A statement under review with the id the model refers to it by. */
export interface StatementRef {
  id: string;
  file: ReviewedFile;
  /** position of the statement in its file */
  index: number;
  statement: StatementReport;
}

/**
 * The report lists only files under review, in folder order: pair them back with their sources.
 * Statement ids are S1, S2, … across all files, short enough for the model to copy without mistakes.
 */
export function statementRefs(review: MigrationReview): StatementRef[] {
  const refs: StatementRef[] = [];
  let next = 0;
  for (const folder of review.folders) {
    folder.files.forEach((source, index) => {
      if (!source.review) return;
      const report = review.report.files[next++];
      if (!report) return;
      const file: ReviewedFile = { folder, index, source, report };
      report.statements.forEach((statement, i) => {
        refs.push({ id: `S${refs.length + 1}`, file, index: i, statement });
      });
    });
  }
  return refs;
}

export function reviewedFiles(refs: readonly StatementRef[]): ReviewedFile[] {
  return [...new Set(refs.map((r) => r.file))];
}

const parsedCache = new WeakMap<SourceFile, ParsedFile>();

function parsed(file: SourceFile): ParsedFile | undefined {
  if (file.text === undefined) return undefined;
  const known = file.parsed ?? parsedCache.get(file);
  if (known) return known;
  const fresh = parseSql(file.text);
  parsedCache.set(file, fresh);
  return fresh;
}

/**
 * Calls `visit` with the schema as it is before each file of `folder` runs (the same replay the
 * engine does), so one pass serves every file under review.
 */
export function forEachCatalogBefore(folder: FolderSource, visit: (index: number, catalog: Catalog) => void): void {
  const catalog = new Catalog();
  folder.files.forEach((file, index) => {
    visit(index, catalog);
    for (const statement of parsed(file)?.statements ?? []) applyStatement(catalog, statement.node);
  });
}

/**
 * Reviews `replacement` in place of one statement: the folder's earlier files as history, the file with
 * that statement swapped, the same settings. Returns the reports of the replacement's statements, which
 * are judged exactly as the original was (same schema, same transaction, same new-table knowledge).
 */
export function reviewReplacement(ref: StatementRef, replacement: string, settings: ReviewSettings): StatementReport[] {
  const { folder, index, source } = ref.file;
  const file = parsed(source);
  const original = file?.statements[ref.index];
  if (!file || !original || source.text === undefined) return [];
  const text = source.text;
  const spliced = `${text.slice(0, original.start)}${replacement}${text.slice(original.end)}`;
  const history = folder.files.slice(0, index).map((f) => ({ ...f, review: false, problems: [], parsed: parsed(f) }));
  const report = runReview([{ files: [...history, { ...source, text: spliced, parsed: undefined, problems: [], review: true }] }], settings);
  const count = parseSql(replacement).statements.length;
  return report.files[0]?.statements.slice(ref.index, ref.index + count) ?? [];
}
