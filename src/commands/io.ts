import type { ChalkInstance } from 'chalk';

/** The process surface commands may touch, so tests can run them in-process. */
export interface Io {
  cwd: string;
  /** environment variables (DATABASE_URL, NO_COLOR, …) */
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** chalk at the right colour level, loaded on first use: machine-readable output never needs it */
  palette(): Promise<ChalkInstance>;
  width: number;
}
