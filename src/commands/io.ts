import type { ChalkInstance } from 'chalk';

/** The process surface commands may touch, so tests can run them in-process. */
export interface Io {
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  color: ChalkInstance;
  width: number;
}
