import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A Postgres wire-protocol server over one PGlite session, for other processes of this machine (commands
 * run beside `serve`, benchmarks). PGlite is a single session, so the server keeps clients from
 * interleaving inside it:
 * - a client's messages run as whole batches (up to Sync, a simple Query, or Flush) under PGlite's query
 *   lock, so another client's (or this process's) statements never land between its Parse, Bind and
 *   Execute;
 * - while a client has a transaction open, nobody else runs until it ends (its connection closing rolls it
 *   back); a transaction of this process is waited for the same way.
 */
export interface PgliteSocketServer {
  /** `host:port`, or the Unix socket path. */
  readonly address: string;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const ROLLBACK = (() => {
  const sql = Buffer.from('ROLLBACK\0');
  const message = Buffer.alloc(5 + sql.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + sql.length, 1);
  sql.copy(message, 5);
  return message;
})();
const BATCH_ENDS = new Set([
  0x53 /* S Sync */, 0x51 /* Q Query */, 0x48 /* H Flush */, 0x58 /* X Terminate */,
]);

/** Serves `db` on a Unix socket (`path`) or TCP (`host`, `port`; 0 picks a free port). */
export async function startPgliteSocketServer(
  db: PGlite,
  where: { path: string } | { host: string; port: number },
): Promise<PgliteSocketServer> {
  let txOwner: number | null = null; // connection whose batch left the session in a transaction
  let nextId = 1;
  const sockets = new Set<Socket>();

  const run = async (id: number, batch: Uint8Array, socket: Socket): Promise<void> => {
    for (;;) {
      const done = await db.runExclusive(async () => {
        // Someone else's transaction is open (another client's, or this process's between statements).
        if (db.isInTransaction() && txOwner !== id) return false;
        await db.execProtocolRawStream(batch, {
          onRawData: (chunk: Uint8Array) => {
            if (!socket.destroyed) socket.write(chunk);
          },
        });
        txOwner = db.isInTransaction() ? id : null;
        return true;
      });
      if (done) return;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };

  const handle = (socket: Socket) => {
    const id = nextId++;
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    let started = false;
    let chain: Promise<void> = Promise.resolve();
    let pending: Buffer[] = [];
    const enqueue = (batch: Buffer) => {
      chain = chain
        .then(() => run(id, batch, socket))
        .catch(() => {
          socket.destroy();
        });
    };
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (code === SSL_REQUEST) {
            socket.write('N');
            buffer = buffer.subarray(8);
            continue;
          }
          if (code === CANCEL_REQUEST) {
            buffer = buffer.subarray(length);
            socket.end();
            return;
          }
          if (buffer.length < length) return;
          enqueue(buffer.subarray(0, length));
          buffer = buffer.subarray(length);
          started = true;
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (message[0] === 0x58) {
          socket.end();
          return;
        }
        pending.push(message);
        if (BATCH_ENDS.has(message[0] as number)) {
          enqueue(Buffer.concat(pending));
          pending = [];
        }
      }
    });
    const closed = () => {
      sockets.delete(socket);
      chain = chain.then(async () => {
        if (txOwner !== id) return;
        await db.runExclusive(async () => {
          // A simple-protocol ROLLBACK (db.exec would wait for the lock held right here).
          if (txOwner === id && db.isInTransaction())
            await db.execProtocolRawStream(ROLLBACK, { onRawData: () => {} });
          txOwner = null;
        });
      });
    };
    socket.on('close', closed);
    socket.on('error', () => socket.destroy());
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in where) server.listen(where.path, resolve);
    else server.listen(where.port, where.host, resolve);
  });
  const bound = server.address();
  const address = typeof bound === 'string' ? bound : `${bound?.address}:${bound?.port}`;
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
