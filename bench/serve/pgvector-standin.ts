/**
 * A Postgres with pgvector for benchmarks that must not depend on the server's extension: PGlite
 * (with pgvector) behind the project's PGlite socket server, in its own process. Prints `{"url": …}` when
 * ready. One PGlite session serves every connection, one batch at a time.
 *
 *   npx tsx bench/serve/pgvector-standin.ts
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { startPgliteSocketServer } from '../../src/sdk/engines/pglite-socket.js';

const db = await PGlite.create({ extensions: { vector } });
const server = await startPgliteSocketServer(db, { host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: `postgres://postgres@${server.address}/postgres` })}\n`);
process.once('SIGTERM', () => {
  void server.stop().then(() => db.close().then(() => process.exit(0)));
});
