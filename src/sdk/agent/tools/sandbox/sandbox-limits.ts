import type { SomaConfig } from '../../../config/schema.js';
import { InvalidInputError } from '../../../errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Limits of one sandboxed script. Every limit stops the script with a tool error naming the limit; none of
 * them can stop the server.
 */
export interface SandboxLimits {
  /**
   * Execution time of one script in milliseconds, enforced inside the interpreter (an interrupt at the
   * deadline that `try/catch` cannot swallow); the worker thread is killed `timeoutMs` + a grace period
   * later if the interpreter does not stop on its own.
   */
  readonly timeoutMs: number;
  /**
   * Heap of the interpreter in bytes (QuickJS's allocator limit). The WebAssembly memory of the worker is
   * capped at this plus 16 MiB as a hard second line.
   */
  readonly memoryBytes: number;
  /** Interpreter stack in bytes: bounds recursion depth. */
  readonly stackBytes: number;
  /**
   * Console output plus the JSON result, in UTF-8 bytes. Console lines beyond half of it are dropped (with a
   * marker line); a result larger than what is left is a `TOOL_OUTPUT_LIMIT` error.
   */
  readonly outputBytes: number;
}

/** Defaults (the `tools.*` configuration keys have the same). */
export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = Object.freeze({
  timeoutMs: 2000,
  memoryBytes: 32 * MiB,
  stackBytes: 256 * KiB,
  outputBytes: 1 * MiB,
});

const RANGES: Record<keyof SandboxLimits, readonly [number, number]> = {
  timeoutMs: [10, 600_000],
  memoryBytes: [1 * MiB, 1024 * MiB],
  stackBytes: [64 * KiB, 8 * MiB],
  outputBytes: [1 * KiB, 64 * MiB],
};

/** Fills `limits` from the defaults and checks each value is an integer in its range. */
export function resolveSandboxLimits(limits: Partial<SandboxLimits> = {}): SandboxLimits {
  if (typeof limits !== 'object' || limits === null) {
    throw new InvalidInputError('sandbox limits must be an object');
  }
  const resolved = { ...DEFAULT_SANDBOX_LIMITS };
  for (const key of Object.keys(RANGES) as (keyof SandboxLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    const [min, max] = RANGES[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidInputError(`sandbox limit ${key} = ${JSON.stringify(value)} is out of range`, {
        hint: `Use an integer from ${min} to ${max}.`,
      });
    }
    resolved[key] = value;
  }
  return Object.freeze(resolved);
}

/** The sandbox limits of a resolved configuration (`tools.*`). */
export function sandboxLimitsFromConfig(config: SomaConfig): SandboxLimits {
  return resolveSandboxLimits({
    timeoutMs: config.tools.timeout,
    memoryBytes: config.tools.memoryLimit,
    stackBytes: config.tools.stackLimit,
    outputBytes: config.tools.outputLimit,
  });
}

/** `32 MiB`, `1.5 KiB`, `100 bytes`: a size for messages. */
export function describeBytes(bytes: number): string {
  const unit = (size: number, name: string) => `${(bytes / size).toFixed(1).replace(/\.0$/, '')} ${name}`;
  if (bytes >= MiB) return unit(MiB, 'MiB');
  if (bytes >= KiB) return unit(KiB, 'KiB');
  return `${bytes} bytes`;
}
