import { TimeoutError } from '../errors.js';

/** What a successful probe of an engine learned. */
export interface ProbeResult {
  /** Server version as the engine reports it. */
  readonly version: string;
  /** Round-trip latency of one cheap request after connecting, in milliseconds. */
  readonly latencyMs: number;
  /** Extra facts worth showing (cluster id, bucket state, extensions…). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Problems that do not make the engine unreachable but matter to the user. */
  readonly warnings?: readonly string[];
}

/** Runs `work` and rejects with a {@link TimeoutError} after `ms`. */
export async function withTimeout<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds taken by `work`, rounded to 0.01 ms, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [result, Math.round(Number(process.hrtime.bigint() - start) / 10_000) / 100];
}
