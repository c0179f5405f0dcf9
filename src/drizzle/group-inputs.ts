import type { ReviewSettings } from '../review/findings.js';
import { loadReviewer } from '../review/load-reviewer.js';
import type { FileReport, FolderSource, Report } from '../review/report-types.js';
import type { LoadedInput } from './inputs.js';

/** One folder source to review and, in the order its reviewed files come out, the inputs they belong to. */
interface Unit {
  source: FolderSource;
  owners: number[];
}

/**
 * Files of one drizzle folder named one by one would each replay the folder's history before them:
 * quadratic in the files named. They are merged here into one pass over that history, each named file
 * still judged as if named alone (`eachAlone`), so the report is the same as reviewing them one by one.
 */
export function groupByFolder(inputs: readonly LoadedInput[]): Unit[] {
  const units: Unit[] = [];
  const byFolder = new Map<string, { unit: Unit; longest: LoadedInput; members: Array<{ input: LoadedInput; index: number }> }>();
  inputs.forEach((input, index) => {
    const group = mergeable(input) ? byFolder.get(input.folder as string) : undefined;
    const target = input.files[input.files.length - 1];
    if (group && target && !group.members.some((m) => m.input.files.length === input.files.length) && consistent(group.longest, input)) {
      group.members.push({ input, index });
      if (input.files.length > group.longest.files.length) group.longest = input;
      return;
    }
    const unit: Unit = { source: input, owners: [] };
    units.push(unit);
    if (mergeable(input) && !byFolder.has(input.folder as string)) byFolder.set(input.folder as string, { unit, longest: input, members: [{ input, index }] });
    else unit.owners = input.files.filter((f) => f.review).map(() => index);
  });
  for (const { unit, longest, members } of byFolder.values()) {
    if (members.length === 1) {
      unit.owners = longest.files.filter((f) => f.review).map(() => members[0]!.index);
      continue;
    }
    members.sort((a, b) => a.input.files.length - b.input.files.length);
    const files = longest.files.slice();
    for (const { input } of members) files[input.files.length - 1] = input.files[input.files.length - 1]!;
    unit.source = { files, eachAlone: true };
    unit.owners = members.filter((m) => m.input.files[m.input.files.length - 1]!.review).map((m) => m.index);
  }
  return units;
}

/**
 * Reviews the inputs like `review(inputs, settings)` does, with the files of one folder named one by one
 * reviewed in one pass over its history; the report keeps the inputs' order. `reviewFolders` may be a cached review.
 */
export async function reviewInputs(
  inputs: readonly LoadedInput[],
  settings: ReviewSettings,
  reviewFolders: (folders: FolderSource[], settings: ReviewSettings) => Report | Promise<Report> = reviewUncached,
): Promise<Report> {
  const units = groupByFolder(inputs);
  const report = await reviewFolders(
    units.map((u) => u.source),
    settings,
  );
  const perInput: FileReport[][] = inputs.map(() => []);
  const owners = units.flatMap((u) => u.owners);
  report.files.forEach((file, i) => {
    perInput[owners[i]!]!.push(file);
  });
  return { ...report, files: perInput.flat() };
}

/** One file of a drizzle folder with its history, where only that file (the last) may be under review. */
function mergeable(input: LoadedInput): boolean {
  return input.layout === 'file' && input.folder !== undefined && input.files.slice(0, -1).every((f) => !f.review);
}

/** Both histories are prefixes of the same folder. */
function consistent(a: LoadedInput, b: LoadedInput): boolean {
  const n = Math.min(a.files.length, b.files.length);
  for (let i = 0; i < n; i++) if (a.files[i]!.path !== b.files[i]!.path) return false;
  return true;
}

async function reviewUncached(folders: FolderSource[], settings: ReviewSettings): Promise<Report> {
  return (await loadReviewer()).review(folders, settings);
}
