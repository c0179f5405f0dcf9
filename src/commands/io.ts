import type { ChalkInstance } from 'chalk';

/** The process surface commands may touch, so tests can run them in-process. */
export interface Io {
  cwd: string;
  /** environment variables (DATABASE_URL, NO_COLOR, …) */
  env: NodeJS.ProcessEnv;
  /** text, or UTF-8 bytes as they are (a stored report is printed without decoding and encoding it again) */
  stdout(text: string | Uint8Array): void;
  stderr(text: string): void;
  /** chalk at the right colour level, loaded on first use: machine-readable output never needs it */
  palette(): Promise<ChalkInstance>;
  width: number;
}
