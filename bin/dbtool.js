#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// The parser is WebAssembly. V8's optimising tier compiles it in background threads that the
// process must wait for at exit (~150 ms per run); the baseline tier alone is fast enough here.
setFlagsFromString('--liftoff-only');
const { main } = await import('../dist/cli.js');
const code = await main(process.argv);
// Exit as soon as output is flushed rather than waiting for the runtime to wind down.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
