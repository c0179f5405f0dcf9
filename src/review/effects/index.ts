export { ALTER_TABLE_FACTS } from './alter-table.js';
export type { AnalyzedEffects, EffectContext, StaticFailure } from './builder.js';
export { analyzeEffects, STATEMENT_FACTS } from './statements.js';
