#!/usr/bin/env node
// Runs every statement of the engine suite (test/engine/cases.ts) and every curated version-gated form
// (test/engine/version-forms.ts) on real PostgreSQL servers of each requested major, and prints per major
// which statements the server rejects, with its SQLSTATE, next to what `dbtool review --pg-version N` says.
// Usage: npm run syntax:versions [-- 12 13 …] [--all]   (default: 12 to 18; --all also lists agreeing rows)
// Exit code 1 when the reviewer and a server disagree about a statement (forms marked staticallyBlind in
// test/engine/version-forms.ts are listed with -- and not counted).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const showAll = args.includes('--all');
const majors = args.filter((a) => /^\d+$/.test(a)).map(Number);
const jiti = createJiti(import.meta.url);
const { loadParser } = await jiti.import(join(root, 'src/review/parse.ts'));
const { binariesFor, startServer } = await jiti.import(join(root, 'test/engine/server.ts'));
const { allProbes, tryOn } = await jiti.import(join(root, 'test/engine/version-probe.ts'));

await loadParser();
const probes = allProbes();
/** id → major → verdict */
const results = new Map(probes.map((p) => [p.id, new Map()]));
let disagreements = 0;
let blindCount = 0;

for (const major of majors.length ? majors : [12, 13, 14, 15, 16, 17, 18]) {
  const bin = binariesFor(major);
  if (!bin) {
    console.log(`\nPostgreSQL ${major}: no binaries (run \`npm run test:engines ${major}\` to install them)`);
    continue;
  }
  const engine = await startServer(bin);
  const lines = [];
  let rejectedCount = 0;
  try {
    for (const probe of probes) {
      const verdict = await tryOn(engine, probe);
      results.get(probe.id).set(major, verdict);
      if (verdict.setupFailed) {
        lines.push(`  ?  ${probe.id}: setup failed (${verdict.setupFailed})`);
        continue;
      }
      const said = verdict.predicted.length > 0;
      // a form that still fails from its first major on, for a reason dbtool does not claim to see
      const laterFailure = probe.laterError !== undefined && major >= probe.since && verdict.rejected?.code === probe.laterError;
      const agrees = laterFailure ? !said : Boolean(verdict.rejected) === said;
      // a form known to be invisible in the parse tree is listed, not counted
      const blind = !agrees && probe.staticallyBlind !== undefined && verdict.rejected !== undefined;
      if (!agrees && !blind) disagreements++;
      if (blind) blindCount++;
      if (verdict.rejected) rejectedCount++;
      if (!verdict.rejected && agrees && !showAll) continue;
      const server = verdict.rejected ? `rejects ${verdict.rejected.code} ${verdict.rejected.message}` : 'accepts';
      const dbtool = said
        ? `dbtool: ${verdict.predicted.join(' | ')}`
        : `dbtool: no failure predicted${blind ? ` (statically blind: ${probe.staticallyBlind})` : ''}`;
      lines.push(`  ${agrees ? 'ok' : blind ? '--' : 'XX'} ${probe.id}: ${server}\n       ${dbtool}`);
    }
  } finally {
    await engine.close();
  }
  console.log(`\nPostgreSQL ${major} (server ${engine.name}): rejects ${rejectedCount} of ${probes.length} statements`);
  for (const line of lines) console.log(line);
}

// the version-gated forms: rejected by some major, accepted by a later one
console.log('\nStatements the servers accept only from some major on:');
for (const probe of probes) {
  const byMajor = [...results.get(probe.id)].filter(([, v]) => !v.setupFailed).sort(([a], [b]) => a - b);
  const versionRejected = (m, v) => v.rejected && !(probe.laterError && m >= probe.since && v.rejected.code === probe.laterError);
  const accepted = byMajor.filter(([m, v]) => !versionRejected(m, v)).map(([m]) => m);
  const rejected = byMajor.filter(([m, v]) => versionRejected(m, v)).map(([m]) => m);
  if (accepted.length === 0 || rejected.length === 0) {
    const expected = probe.since === undefined || (probe.since === 12 && accepted.length > 0);
    if (!expected && byMajor.length > 1)
      console.log(`  ${probe.id}: curated since ${probe.since}, but ${accepted.length ? 'every major accepts it' : 'no major accepts it'}`);
    continue;
  }
  const first = Math.min(...accepted);
  const codes = [...new Set(byMajor.filter(([m, v]) => versionRejected(m, v)).map(([, v]) => v.rejected.code))].join('/');
  const mismatch = probe.since !== undefined && probe.since !== first ? ` (curated since ${probe.since}!)` : '';
  console.log(`  ${first}+ ${probe.id} [${codes}; rejected on ${rejected.join(', ')}]${mismatch}`);
}
console.log(
  `\n${disagreements === 0 ? 'dbtool agrees with every server' : `${disagreements} disagreement(s) between dbtool and a server`}${blindCount ? ` (besides ${blindCount} rejection(s) of forms dbtool cannot see statically, marked --)` : ''}`,
);
process.exitCode = disagreements === 0 ? 0 : 1;
