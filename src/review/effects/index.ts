export { analyzeEffects, STATEMENT_FACTS } from './statements.js';
export { ALTER_TABLE_FACTS } from './alter-table.js';
export type { AnalyzedEffects, EffectContext, StaticFailure } from './builder.js';
