/**
 * The reviewer and its parser, loaded on first need: ~80 modules and a WebAssembly instance that a review the
 * cache answers whole never uses.
 */
export type Reviewer = typeof import('./engine.js') & Pick<typeof import('./parse.js'), 'parseSql'>;

let loading: Promise<Reviewer> | undefined;

export function loadReviewer(): Promise<Reviewer> {
  loading ??= Promise.all([import('./engine.js'), import('./parse.js')]).then(async ([engine, parse]) => {
    await parse.loadParser();
    return { ...engine, parseSql: parse.parseSql };
  });
  return loading;
}
