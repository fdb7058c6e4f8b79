/**
 * Types of the tool layer: what the model sees of a tool, a call, its result, and what a tool
 * implementation is given.
 */

import type { ObjectStore } from '../../stores/objects/object-store.js';
import type { SandboxPool } from './sandbox/sandbox-pool.js';

/** A tool as offered to the model: the version that a call by name runs. */
export interface ToolSpec {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** JSON Schema of the input (`type: "object"`). */
  readonly inputSchema: Record<string, unknown>;
}

/** One tool call of a model, on behalf of a person (`subject`) in a conversation. */
export interface ToolCallRequest {
  readonly tenant: string;
  /** The person's subject id: artifacts are stored under their object prefix. */
  readonly subject: string;
  readonly conversationId: string;
  /** The model's id of the call (unique within the conversation). */
  readonly callId: string;
  /** Tool name; the highest enabled version implemented here runs. */
  readonly name: string;
  /** The arguments, checked against the tool's registered input schema. */
  readonly input: unknown;
}

/** A tool output kept in the ObjectStore instead of inline. */
export interface ToolArtifactRef {
  /** Object key, under `subjectPrefix(tenant, subject)`. */
  readonly key: string;
  /** Bytes stored. */
  readonly size: number;
  readonly contentType: string;
  /** Hex SHA-256 of the bytes. */
  readonly sha256: string;
  /**
   * Where the artifact is, for events: `s3://{bucket}/{key}` on S3, `objectstore:{key}` on the embedded
   * filesystem store (a key of the runtime's own store).
   */
  readonly uri: string;
}

/** Codes of a failed or refused call, in `ToolResult.error.code`. */
export type ToolErrorCode =
  | 'TOOL_UNKNOWN'
  | 'TOOL_DISABLED'
  | 'TOOL_NOT_AVAILABLE'
  | 'TOOL_REQUEST_INVALID'
  | 'TOOL_INPUT_INVALID'
  | 'TOOL_SCHEMA_INVALID'
  | 'TOOL_SCRIPT_ERROR'
  | 'TOOL_TIMEOUT'
  | 'TOOL_MEMORY_LIMIT'
  | 'TOOL_STACK_OVERFLOW'
  | 'TOOL_OUTPUT_LIMIT'
  | 'TOOL_RESULT_INVALID'
  | 'TOOL_CANCELLED'
  | 'TOOL_BUSY'
  | 'TOOL_SANDBOX_FAILED'
  | 'TOOL_FAILED';

/**
 * The outcome of a call. `ok`: `output` holds the result (or, when it was larger than the artifact
 * threshold, a preview of it, with the whole output in `artifact`). `error`: the tool ran and failed.
 * `timeout`: it ran out of time. `rejected`: it did not run (unknown or disabled tool, invalid input).
 */
export interface ToolResult {
  readonly callId: string;
  readonly name: string;
  /** The version that ran, or `''` when no version was found. */
  readonly version: string;
  readonly status: 'ok' | 'error' | 'timeout' | 'rejected';
  /** Small JSON: the result, a preview of an artifact, or diagnostics (console lines) of a failure. */
  readonly output?: unknown;
  readonly artifact?: ToolArtifactRef;
  readonly error?: { readonly code: string; readonly message: string };
  readonly durationMs: number;
  readonly startedAt: Date;
  readonly endedAt: Date;
}

/** What a tool implementation is given for one call. */
export interface ToolContext {
  readonly call: ToolCallRequest;
  /** The registered version that runs. */
  readonly version: string;
  readonly signal?: AbortSignal;
  /** The JavaScript sandbox pool. */
  readonly sandbox: SandboxPool;
  /** Stores an artifact of this call under the person's prefix (`path` below `artifacts/{conversation}/`). */
  storeArtifact(path: string, body: Buffer, contentType: string): Promise<ToolArtifactRef>;
  readonly objects: ObjectStore;
}

/** What a tool implementation returns (tool failures are outcomes, never exceptions). */
export type ToolOutcome =
  | { readonly status: 'ok'; readonly output: unknown; readonly artifact?: ToolArtifactRef }
  | {
      readonly status: 'error' | 'timeout' | 'rejected';
      readonly code: string;
      readonly message: string;
      /** Diagnostics (e.g. console lines). */
      readonly output?: unknown;
    };

/**
 * A tool this runtime can run: its registry entry (registered by `registerBuiltinTools` for built-ins)
 * and its code. A call runs only when the registry has this name and version enabled.
 */
export interface ToolImplementation {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown> & { readonly type: 'object' };
  /** Runs one call whose input already matched the registered schema. Throws only for store outages. */
  run(input: unknown, context: ToolContext): Promise<ToolOutcome>;
}
