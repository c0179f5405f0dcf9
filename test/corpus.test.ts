import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInput } from '../src/drizzle/inputs.js';
import { review } from '../src/review/engine.js';
import { loadParser } from '../src/review/parse.js';

const CORPUS = join(import.meta.dirname, '..', '..', 'shared', 'corpus', 'real-world');
const present = existsSync(CORPUS);
if (!present) console.warn(`SKIPPED: ${CORPUS} is absent, so the real-world corpus robustness test does not run`);

/** Each project directory holds one migrations folder (its path in the project, with / as __). */
function migrationFolders(): string[] {
  return readdirSync(CORPUS)
    .filter((p) => statSync(join(CORPUS, p)).isDirectory())
    .flatMap((p) => readdirSync(join(CORPUS, p)).map((inner) => join(CORPUS, p, inner)));
}

describe.skipIf(!present)('real-world corpus', () => {
  beforeAll(loadParser);

  it('reviews every folder without throwing, with a position for every statement', () => {
    const folders = migrationFolders();
    expect(folders.length).toBeGreaterThanOrEqual(19);
    let statements = 0;
    for (const folder of folders) {
      const input = loadInput(folder, '/', () => '');
      const report = review([input], { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' });
      for (const file of report.files) {
        for (const s of file.statements) {
          expect(s.line).toBeGreaterThan(0);
          expect(s.endLine).toBeGreaterThanOrEqual(s.line);
          statements++;
        }
      }
    }
    expect(statements).toBeGreaterThan(9_000);
  });

  it('reports the known journal quirks of the corpus', () => {
    const rulesIn = (project: string) => {
      const folder = migrationFolders().find((f) => f.includes(project)) ?? '';
      const report = review([loadInput(folder, '/', () => '')], { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' });
      return report.files.flatMap((f) => f.findings.map((x) => x.rule));
    };
    expect(rulesIn('zaidmukaddam__scira')).toContain('journal-missing-file');
    expect(rulesIn('Mail-0__Zero')).toContain('journal-unlisted-file');
    expect(rulesIn('kanbn__kan')).toContain('journal-out-of-order');
  });
});
