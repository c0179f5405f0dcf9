import { execFileSync } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../migrate/helpers.js';
import { dbtool, journalFolder } from '../migrate/helpers.js';

/** A TCP server on 127.0.0.1 that accepts connections and, unless `onData` answers, never says a word. */
async function fakeServer(onData?: (socket: Socket, data: Buffer) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (onData) socket.on('data', (data) => onData(socket, data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function message(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}

/** Completes the startup (AuthenticationOk, ReadyForQuery) and then ignores every query. */
function answerStartupOnly(socket: Socket & { started?: boolean }): void {
  if (socket.started) return;
  socket.started = true;
  const ok = Buffer.alloc(4);
  socket.write(Buffer.concat([message('R', ok), message('Z', Buffer.from('I'))]));
}

/** Runs the CLI and how long it took; killed (and reported as such) if it outlives `limitMs`. */
async function timed(args: string[], env: Record<string, string | undefined> = {}, limitMs = 25_000): Promise<CliResult & { ms: number; killed: boolean }> {
  const started = Date.now();
  const run = dbtool(args, { env });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    run.kill('SIGKILL');
  }, limitMs);
  const result = await run;
  clearTimeout(timer);
  return { ...result, ms: Date.now() - started, killed };
}

function expectCleanTimeout(run: CliResult & { ms: number; killed: boolean }, seconds: number): void {
  expect(run.killed, 'dbtool hung and was killed').toBe(false);
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toContain(`no answer within ${seconds}s`);
  expect(run.stderr).toMatch(/^hint: Check the host and port/m);
  expect(run.stderr).not.toContain('internal error');
  expect(run.ms).toBeGreaterThanOrEqual(seconds * 1000 - 200);
  expect(run.ms).toBeLessThan(seconds * 1000 + 6000);
}

let silent: Awaited<ReturnType<typeof fakeServer>>;
let startupOnly: Awaited<ReturnType<typeof fakeServer>>;
let folder: string;

beforeAll(async () => {
  silent = await fakeServer();
  startupOnly = await fakeServer((socket) => answerStartupOnly(socket));
  folder = journalFolder({ '0000_init': 'CREATE TABLE t (id int);' });
});

afterAll(async () => {
  await silent.close();
  await startupOnly.close();
});

describe('connecting to a server that never answers', { timeout: 40_000 }, () => {
  it('status, migrate and explain honour connect_timeout in the URL (1 counts as 2, as in libpq) and exit 2', async () => {
    const url = `postgres://u:Zq9x%20Kv7y@127.0.0.1:${silent.port}/db?connect_timeout=1`;
    const runs = await Promise.all([
      timed(['status', '--dir', folder, '--url', url]),
      timed(['migrate', '--dir', folder, '--url', url]),
      timed(['explain', 'SELECT 1', '--url', url]),
      timed(['explain', 'SELECT 1', '--no-analyze', '--format', 'json'], { DATABASE_URL: url }),
    ]);
    for (const run of runs) {
      expectCleanTimeout(run, 2);
      expect(run.stderr).toContain(`postgres://u:***@127.0.0.1:${silent.port}/db?connect_timeout=1`);
      expect(run.stderr).not.toMatch(/Zq9x|Kv7y/);
    }
  });

  it('honours connect_timeout in a key/value string and PGCONNECT_TIMEOUT when the string has none', async () => {
    const runs = await Promise.all([
      timed(['status', '--dir', folder, '--url', `host=127.0.0.1 port=${silent.port} user=u dbname=db connect_timeout=3`]),
      timed(['status', '--dir', folder, '--url', `postgres://u@127.0.0.1:${silent.port}/db`], { PGCONNECT_TIMEOUT: '3' }),
      // the string wins over the environment
      timed(['status', '--dir', folder, '--url', `postgres://u@127.0.0.1:${silent.port}/db?connect_timeout=3`], { PGCONNECT_TIMEOUT: '30' }),
    ]);
    for (const run of runs) expectCleanTimeout(run, 3);
  });

  it('bounds the whole connection phase: a server that completes the startup and then never answers a query', async () => {
    const url = `postgres://u@127.0.0.1:${startupOnly.port}/db?connect_timeout=2`;
    const runs = await Promise.all([
      timed(['status', '--dir', folder, '--url', url]),
      timed(['migrate', '--dir', folder, '--url', url]),
      timed(['explain', 'SELECT 1', '--url', url]),
    ]);
    for (const run of runs) expectCleanTimeout(run, 2);
  });

  it('turns TCP keepalives on (probing after 30 s of silence, or keepalives_idle), and off with keepalives=0', async () => {
    const keepalive = async (query: string, timerExpected: boolean): Promise<string> => {
      const own = await fakeServer();
      try {
        const run = timed(['status', '--dir', folder, '--url', `postgres://u@127.0.0.1:${own.port}/db?connect_timeout=5${query}`]);
        // the kernel's view of dbtool's socket to the fake server: "timer:(keepalive,29sec,0)" when keepalives are on.
        // The socket is established a moment before the driver turns keepalives on, so look until the timer shows
        // (or, when none is expected, a while after the socket shows, which gives a wrong timer time to appear)
        const read = () => execFileSync('ss', ['-tnoH', 'state', 'established', `( dport = :${own.port} )`], { encoding: 'utf8' });
        let sockets = '';
        let seenAt = -1;
        for (let i = 0; i < 40; i++) {
          await new Promise((r) => setTimeout(r, 100));
          sockets = read();
          if (sockets.includes('127.0.0.1') && seenAt < 0) seenAt = i;
          if (timerExpected ? sockets.includes('timer:(keepalive') : seenAt >= 0 && i - seenAt >= 5) break;
        }
        expectCleanTimeout(await run, 5);
        return sockets;
      } finally {
        await own.close();
      }
    };
    const [standard, idle, off] = await Promise.all([keepalive('', true), keepalive('&keepalives_idle=7', true), keepalive('&keepalives=0', false)]);
    // ss prints the time left as "29sec", or with a fraction below ten seconds ("6.492ms" means 6.492 s)
    // under load the socket may be seen seconds after it opened: compare the time left with the two settings
    // (30 s by default, 7 s asked) rather than with an exact value
    expect(standard).toMatch(/timer:\(keepalive,(1\d|2\d|30)sec/);
    expect(idle).toMatch(/timer:\(keepalive,/);
    expect(idle).not.toMatch(/timer:\(keepalive,(\d\d+)sec/);
    expect(off).toContain('127.0.0.1');
    expect(off).not.toContain('keepalive');
  });

  it('gives up after 10 seconds by default', async () => {
    const run = await timed(['status', '--dir', folder, '--url', `postgres://u@127.0.0.1:${silent.port}/db`]);
    expectCleanTimeout(run, 10);
  });
});
