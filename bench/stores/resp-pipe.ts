/**
 * A bare RESP connection for the Redis session bench: it hand-encodes pipelined commands into one string
 * and counts replies, with no client library in between, so the bench can show what the server and the
 * protocol allow once a client's own per-command cost is gone (ioredis spends several µs per command).
 *
 * Only for commands whose every reply is one line (`+OK`, `:n`): replies are counted by line, and an error
 * reply (`-…`) fails the batch. Bench code, not a client: no AUTH, TLS, reconnection or bulk replies.
 */
import net from 'node:net';

interface Waiter {
  remaining: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class RespPipe {
  private readonly waiters: Waiter[] = [];
  private buffered = '';

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
  }

  static async connect(host: string, port: number): Promise<RespPipe> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RespPipe(socket);
  }

  /** RESP array of bulk strings for one command. */
  static encode(parts: readonly string[]): string {
    let out = `*${parts.length}\r\n`;
    for (const part of parts) out += `$${Buffer.byteLength(part)}\r\n${part}\r\n`;
    return out;
  }

  /** Writes `commands` (already encoded, `count` of them) and resolves when all their replies are in. */
  send(commands: string, count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ remaining: count, resolve, reject });
      this.socket.write(commands);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let start = 0;
    for (;;) {
      const end = this.buffered.indexOf('\r\n', start);
      if (end < 0) break;
      const waiter = this.waiters[0];
      if (!waiter) throw new Error('reply without a command');
      if (this.buffered.charCodeAt(start) === 45 /* - */) {
        // Later replies could no longer be matched to their batches: fail everything and stop.
        const error = new Error(`Redis replied ${this.buffered.slice(start, end)}`);
        for (const w of this.waiters.splice(0)) w.reject(error);
        this.socket.destroy();
        return;
      }
      if (--waiter.remaining === 0) {
        this.waiters.shift();
        waiter.resolve();
      }
      start = end + 2;
    }
    this.buffered = this.buffered.slice(start);
  }
}
