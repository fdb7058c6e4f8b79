/**
 * What one turn of a conversation streams, in order: `started`, then `step`s (session, memory, model, tools,
 * persist) with `token`s and tool events between them, then exactly one `reply` or `error`. The gRPC worker
 * carries these as `TurnEvent` messages and the gateway as Server-Sent Events of the same names.
 */

/** The stages of a turn. */
export type TurnStep = 'session' | 'memory' | 'model' | 'tools' | 'persist';

/** A tool result as a turn reports it (the artifact, when the output was too large to inline). */
export interface TurnToolResult {
  readonly callId: string;
  readonly name: string;
  readonly status: 'ok' | 'error' | 'timeout' | 'rejected';
  readonly output?: unknown;
  readonly artifact?: { key: string; size: number; contentType: string; sha256: string };
  readonly error?: { code: string; message: string };
  readonly durationMs: number;
}

/** One event of a turn. */
export type TurnEvent =
  | { readonly type: 'started'; readonly turnId: string }
  | { readonly type: 'step'; readonly name: TurnStep }
  | { readonly type: 'token'; readonly text: string }
  | { readonly type: 'tool_start'; readonly callId: string; readonly name: string; readonly input: unknown }
  | ({ readonly type: 'tool_result' } & TurnToolResult)
  | { readonly type: 'reply'; readonly messageId: string; readonly text: string }
  | {
      readonly type: 'error';
      readonly code: string;
      readonly message: string;
      readonly retriable: boolean;
      /** What to do about it, when the failure knows (e.g. which configuration key to check). */
      readonly hint?: string;
    };

/** A turn to run: one user message in one conversation. */
export interface TurnRequest {
  readonly tenant: string;
  readonly subject: string;
  readonly conversationId: string;
  readonly text: string;
  /**
   * Stable id of the turn. A retry with the same id (same Idempotency-Key) returns the first result and
   * runs no tool again; it rewrites the same entries instead of adding new ones.
   */
  readonly turnId: string;
  /** Who asked (an API key id), for the audit log. */
  readonly actor: string;
}
