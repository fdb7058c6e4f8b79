import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvalidInputError } from '../../../errors.js';
import type { SandboxLimits } from './sandbox-limits.js';
import type { RunMessage, SandboxErrorCode, ScriptOutcome, WorkerMessage } from './sandbox-protocol.js';

/** Options of {@link SandboxPool}. */
export interface SandboxPoolOptions {
  readonly limits: SandboxLimits;
  /** Worker threads at most, each running one script at a time (default 2). */
  readonly size?: number;
  /** Calls allowed to wait for a free worker; more get `TOOL_BUSY` (default 256). */
  readonly maxQueue?: number;
  /**
   * Wall-clock time past `limits.timeoutMs` after which a worker whose interpreter has not stopped is killed
   * (default: the larger of 1 s and `timeoutMs`).
   */
  readonly killGraceMs?: number;
}

/** Counters of a {@link SandboxPool}, for tests and metrics. */
export interface SandboxPoolStats {
  /** Live worker threads. */
  readonly workers: number;
  /** Workers running a script. */
  readonly busy: number;
  /** Calls waiting for a worker. */
  readonly queued: number;
  /** Worker threads started since the pool was created. */
  readonly started: number;
  /** Workers ended at the wall-clock deadline, on cancellation or because their interpreter was damaged. */
  readonly killed: number;
}

interface Slot {
  readonly worker: Worker;
  /** Resolves true once the interpreter is loaded, false if the thread failed first. */
  readonly ready: Promise<boolean>;
  busy: boolean;
  dead: boolean;
  startError?: string;
  job?: (message: WorkerMessage | { type: 'died'; code: SandboxErrorCode; message: string }) => void;
}

interface Waiter {
  resolve(slot: Slot | ScriptOutcome): void;
}

function failed(
  code: SandboxErrorCode,
  message: string,
  status: 'error' | 'timeout' = 'error',
): ScriptOutcome {
  return { status, code, message, console: [], consoleTruncated: false };
}

const CANCELLED = 'the call was cancelled before the script finished';

/**
 * Runs scripts off the main thread, in a small pool of worker threads (one interpreter each, a fresh
 * runtime per script), so the event loop keeps serving while a script spins. A worker that outlives a
 * script's deadline by the grace period, is cancelled, or reports a damaged interpreter is terminated and
 * replaced on demand. Worker threads are `unref`'d: an idle pool never keeps the process alive.
 */
export class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly killAfterMs: number;
  private nextId = 1;
  private started = 0;
  private killed = 0;
  private closed = false;

  constructor(private readonly options: SandboxPoolOptions) {
    this.size = checkCount('size', options.size ?? 2, 1, 64);
    this.maxQueue = checkCount('maxQueue', options.maxQueue ?? 256, 0, 100_000);
    const grace = options.killGraceMs ?? Math.max(1000, options.limits.timeoutMs);
    this.killAfterMs = options.limits.timeoutMs + checkCount('killGraceMs', grace, 0, 600_000);
  }

  /** The pool's counters. */
  get stats(): SandboxPoolStats {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((slot) => slot.busy).length,
      queued: this.waiters.length,
      started: this.started,
      killed: this.killed,
    };
  }

  /** Starts `count` workers (1 by default, at most the pool size) ahead of the first calls. */
  async warm(count = 1): Promise<void> {
    const spawned: Promise<boolean>[] = [];
    while (!this.closed && this.slots.length < Math.min(count, this.size)) spawned.push(this.spawn().ready);
    await Promise.all(spawned);
  }

  /**
   * Runs `code` and resolves with its outcome; never rejects. A cancelled `signal` ends the script (its
   * worker is killed) with `TOOL_CANCELLED`.
   */
  async run(code: string, signal?: AbortSignal): Promise<ScriptOutcome> {
    if (this.closed) return failed('TOOL_CANCELLED', 'the sandbox pool is closed');
    if (signal?.aborted) return failed('TOOL_CANCELLED', CANCELLED);
    const acquired = await this.acquire(signal);
    if (!('worker' in acquired)) return acquired;
    const slot = acquired;
    if (!(await slot.ready)) {
      this.discard(slot, false);
      return failed(
        'TOOL_SANDBOX_FAILED',
        `the sandbox could not start: ${slot.startError ?? 'unknown error'}`,
      );
    }
    if (signal?.aborted) {
      this.release(slot);
      return failed('TOOL_CANCELLED', CANCELLED);
    }
    return this.dispatch(slot, code, signal);
  }

  /** Ends every worker; waiting and running calls resolve with `TOOL_CANCELLED`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0))
      waiter.resolve(failed('TOOL_CANCELLED', 'the sandbox pool closed'));
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      slot.dead = true;
      slot.job?.({ type: 'died', code: 'TOOL_CANCELLED', message: 'the sandbox pool closed' });
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate().catch(() => 0)));
  }

  private acquire(signal: AbortSignal | undefined): Promise<Slot | ScriptOutcome> | Slot | ScriptOutcome {
    const idle = this.slots.find((slot) => !slot.busy && !slot.dead);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (this.slots.length < this.size) {
      const slot = this.spawn();
      slot.busy = true;
      return slot;
    }
    if (this.waiters.length >= this.maxQueue) {
      return failed(
        'TOOL_BUSY',
        `all ${this.size} sandboxes are busy and ${this.waiters.length} calls are waiting: try again shortly`,
      );
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(failed('TOOL_CANCELLED', CANCELLED));
      };
      const waiter: Waiter = {
        resolve: (slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private dispatch(slot: Slot, code: string, signal: AbortSignal | undefined): Promise<ScriptOutcome> {
    const id = this.nextId++;
    return new Promise<ScriptOutcome>((resolve) => {
      const finish = (outcome: ScriptOutcome, keep: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        slot.job = undefined;
        if (keep) this.release(slot);
        else this.discard(slot, true);
        resolve(outcome);
      };
      // The interpreter stops itself at the deadline; this only fires when it did not (a long native call).
      const timer = setTimeout(
        () =>
          finish(
            failed(
              'TOOL_TIMEOUT',
              `the script did not stop at its ${this.options.limits.timeoutMs} ms time limit; its sandbox ` +
                `thread was killed after ${this.killAfterMs} ms`,
              'timeout',
            ),
            false,
          ),
        this.killAfterMs,
      );
      const onAbort = () => finish(failed('TOOL_CANCELLED', CANCELLED), false);
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.job = (message) => {
        if (message.type === 'done' && message.id === id) finish(message.outcome, !message.recycle);
        else if (message.type === 'died') finish(failed(message.code, message.message), false);
      };
      slot.worker.postMessage({ type: 'run', id, code } satisfies RunMessage);
    });
  }

  private release(slot: Slot): void {
    if (slot.dead) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(slot);
    else slot.busy = false;
  }

  /** Removes a slot (terminating its thread when `terminate`) and starts a worker for a waiting call. */
  private discard(slot: Slot, terminate: boolean): void {
    if (!slot.dead) {
      slot.dead = true;
      if (terminate) this.killed++;
    }
    const index = this.slots.indexOf(slot);
    if (terminate) void slot.worker.terminate().catch(() => 0);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const waiter = this.closed ? undefined : this.waiters.shift();
    if (waiter) {
      const next = this.spawn();
      next.busy = true;
      waiter.resolve(next);
    }
  }

  private spawn(): Slot {
    const { limits } = this.options;
    const entry = workerEntry();
    const worker = new Worker(entry.filename, {
      eval: entry.eval,
      workerData: { limits },
      execArgv: [],
      env: {},
      // A second line behind the interpreter's own limits: the thread's JavaScript heap holds at most the
      // collected output (twice, while it is copied) besides the loader.
      resourceLimits: {
        maxOldGenerationSizeMb: 64 + Math.ceil((4 * limits.outputBytes) / (1024 * 1024)),
        maxYoungGenerationSizeMb: 16,
        stackSizeMb: 4 + Math.ceil((2 * limits.stackBytes) / (1024 * 1024)),
      },
    });
    worker.unref();
    this.started++;
    let markReady: (ok: boolean) => void = () => {};
    const slot: Slot = {
      worker,
      ready: new Promise<boolean>((resolve) => {
        markReady = resolve;
      }),
      busy: false,
      dead: false,
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') markReady(true);
      else slot.job?.(message);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      slot.startError = error.message;
      markReady(false);
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      slot.job?.({
        type: 'died',
        code: memory ? 'TOOL_MEMORY_LIMIT' : 'TOOL_SANDBOX_FAILED',
        message: memory
          ? 'the sandbox thread ran out of memory and was stopped'
          : `the sandbox thread failed: ${error.message.slice(0, 500)}`,
      });
    });
    worker.on('exit', (exitCode) => {
      slot.startError ??= `the thread exited with code ${exitCode}`;
      markReady(false);
      slot.job?.({
        type: 'died',
        code: 'TOOL_SANDBOX_FAILED',
        message: `the sandbox thread exited (${exitCode})`,
      });
      if (!slot.dead) this.discard(slot, false);
    });
    this.slots.push(slot);
    return slot;
  }
}

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`sandbox pool ${name} = ${JSON.stringify(value)} is out of range`, {
      hint: `Use an integer from ${min} to ${max}.`,
    });
  }
  return value;
}

interface TsxManifest {
  exports: { './esm/api': { import: { default: string } } };
}

/**
 * The worker's entry: the compiled `sandbox-worker.js` beside this file; when running from the TypeScript
 * sources (tests, benchmarks), a bootstrap that registers tsx in the thread first.
 */
function workerEntry(): { filename: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { filename: new URL('./sandbox-worker.js', here), eval: false };
  // tsx's ESM API, found through its package exports (the CommonJS build cannot register ESM hooks here).
  const manifest = createRequire(here).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as TsxManifest;
  const api = pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
  const target = new URL('./sandbox-worker.ts', here).href;
  return {
    filename: `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`,
    eval: true,
  };
}
