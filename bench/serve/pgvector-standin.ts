/**
 * A Postgres with pgvector for benchmarks on machines whose Postgres server lacks the extension: PGlite
 * (with pgvector) behind its socket server, in its own process. Prints `{"url": …}` when ready.
 *
 *   npx tsx bench/serve/pgvector-standin.ts
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const db = await PGlite.create({ extensions: { vector } });
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
await server.start();
process.stdout.write(
  `${JSON.stringify({ url: `postgres://postgres@${server.getServerConn()}/postgres` })}\n`,
);
process.once('SIGTERM', () => {
  void server.stop().then(() => db.close().then(() => process.exit(0)));
});
