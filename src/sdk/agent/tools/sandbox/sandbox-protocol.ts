/**
 * Messages between the sandbox pool (main thread) and a sandbox worker thread, and the outcome of one
 * script. Plain data only: it crosses `postMessage`.
 */

/** Stable codes of sandbox failures (also the `error.code` of a tool result). */
export type SandboxErrorCode =
  /** The script threw (or its promise rejected): syntax errors, `process is not defined`, `import` refused… */
  | 'TOOL_SCRIPT_ERROR'
  /** The script ran past its time limit. */
  | 'TOOL_TIMEOUT'
  /** The script used more memory than its limit. */
  | 'TOOL_MEMORY_LIMIT'
  /** The script recursed past its stack limit. */
  | 'TOOL_STACK_OVERFLOW'
  /** The result (with the console output) is larger than the output limit. */
  | 'TOOL_OUTPUT_LIMIT'
  /** The result is not representable as JSON (BigInt, circular structure…). */
  | 'TOOL_RESULT_INVALID'
  /** The caller cancelled the call (abort signal, executor closed). */
  | 'TOOL_CANCELLED'
  /** Too many calls are waiting for a sandbox. */
  | 'TOOL_BUSY'
  /** The sandbox itself failed (the worker thread died or could not start). */
  | 'TOOL_SANDBOX_FAILED';

/** Console lines written by the script, and whether some were cut off at the output limit. */
export interface ScriptConsole {
  readonly console: string[];
  readonly consoleTruncated: boolean;
}

/** The outcome of one script. */
export type ScriptOutcome =
  | (ScriptConsole & {
      readonly status: 'ok';
      /** JSON text of the script's completion value (`null` for `undefined`, functions and symbols). */
      readonly resultJson: string;
    })
  | (ScriptConsole & {
      readonly status: 'error' | 'timeout';
      readonly code: SandboxErrorCode;
      readonly message: string;
    });

/** Main thread → worker: run one script. */
export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly code: string;
}

/** Worker → main thread. */
export type WorkerMessage =
  /** The interpreter is loaded; the worker takes scripts. */
  | { readonly type: 'ready' }
  /** A script finished. `recycle`: the interpreter may be damaged, replace this worker. */
  | {
      readonly type: 'done';
      readonly id: number;
      readonly outcome: ScriptOutcome;
      readonly recycle: boolean;
    };
