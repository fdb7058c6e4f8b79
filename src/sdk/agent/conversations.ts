import { createHash, randomUUID } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { SessionStore } from '../stores/sessions/session-store.js';
import type { TurnToolResult } from './turn-events.js';

/** One message of a conversation's history. */
export interface ConversationMessage {
  readonly id: string;
  readonly role: 'user' | 'assistant';
  readonly text: string;
  readonly createdAt: string;
  /** The turn that wrote it: a retried turn replaces its own messages instead of adding new ones. */
  readonly turnId: string;
  readonly toolCalls?: readonly TurnToolResult[];
}

/** What a finished turn left, kept so a retry with the same turn id returns it without running again. */
export interface CompletedTurn {
  readonly turnId: string;
  /** sha256 of the request text: the same Idempotency-Key with another text is refused. */
  readonly requestHash: string;
  readonly messageId: string;
  readonly reply: string;
  readonly toolCalls: readonly TurnToolResult[];
}

/** A conversation as the session store keeps it (the session id is the conversation id). */
export interface ConversationState {
  readonly v: 1;
  readonly title: string;
  readonly createdAt: string;
  readonly messages: readonly ConversationMessage[];
  readonly turns: readonly CompletedTurn[];
}

/** A conversation without its messages. */
export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt: string;
}

/** Messages kept in session state; older ones live on in long-term memory. */
export const MAX_HISTORY_MESSAGES = 200;
/** Completed turns remembered for idempotent retries. */
export const MAX_REMEMBERED_TURNS = 50;
const MAX_TITLE = 200;

/** sha256 (hex) of a turn's request text. */
export function requestHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The turn id of a request: derived from the client's Idempotency-Key (so a retry maps to the same turn),
 * else random.
 */
export function turnIdFor(tenant: string, conversationId: string, idempotencyKey?: string): string {
  if (!idempotencyKey) return randomUUID();
  const hash = createHash('sha256').update(`${tenant}\0${conversationId}\0${idempotencyKey}`).digest('hex');
  // Shaped as a UUID (version nibble 8: "custom") so it fits every `uuid`-typed field.
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-8${hash.slice(13, 16)}-a${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
}

function parseState(raw: JsonValue): ConversationState {
  const state = raw as unknown as ConversationState;
  if (!state || typeof state !== 'object' || state.v !== 1 || !Array.isArray(state.messages)) {
    throw new InvalidInputError('this session is not a conversation', {
      hint: 'Use an id returned by POST /v1/conversations.',
    });
  }
  return { ...state, turns: Array.isArray(state.turns) ? state.turns : [] };
}

/**
 * Conversations over the SessionStore: a conversation is one session of its subject, so it shares the
 * session TTL (`retention.sessions`) and erasure finds it through the session store's subject index.
 */
export class Conversations {
  constructor(
    private readonly sessions: SessionStore,
    private readonly options: {
      /** Session TTL per write (the live `retention.sessions`); the store's default when omitted. */
      readonly ttlMs?: () => number;
    } = {},
  ) {}

  private ttl(): { ttlMs?: number } {
    return this.options.ttlMs ? { ttlMs: this.options.ttlMs() } : {};
  }

  /** Creates an empty conversation of `subject`. */
  async create(tenant: string, subject: string, title?: string): Promise<ConversationSummary> {
    if (title !== undefined && (typeof title !== 'string' || title.length > MAX_TITLE)) {
      throw new InvalidInputError(`title must be a string of at most ${MAX_TITLE} characters`);
    }
    const id = randomUUID();
    const now = new Date().toISOString();
    const state: ConversationState = {
      v: 1,
      title: title?.trim() || 'New conversation',
      createdAt: now,
      messages: [],
      turns: [],
    };
    const session = await this.sessions.set({
      tenant,
      subject,
      sessionId: id,
      state: state as unknown as JsonValue,
      ...this.ttl(),
    });
    return summaryOf(id, state, session);
  }

  /** The conversation, checked to belong to `subject` unless `anySubject` (admin keys). */
  async get(
    tenant: string,
    subject: string,
    id: string,
    anySubject = false,
  ): Promise<{ state: ConversationState; summary: ConversationSummary; subject: string }> {
    const session = await this.sessions.get(tenant, id);
    if (!session || (!anySubject && session.subject !== subject)) {
      // Someone else's conversation is reported exactly like a missing one.
      throw new NotFoundError(`conversation ${id} not found`, {
        hint: 'List your conversations with GET /v1/conversations.',
      });
    }
    const state = parseState(session.state);
    return { state, summary: summaryOf(id, state, session), subject: session.subject };
  }

  /** A subject's live conversations, newest first. */
  async list(tenant: string, subject: string): Promise<ConversationSummary[]> {
    const summaries = await this.sessions.listBySubject(tenant, subject);
    const sessions = await this.sessions.getMany(
      tenant,
      summaries.map((s) => s.sessionId),
    );
    const out: ConversationSummary[] = [];
    for (const session of sessions) {
      if (!session) continue;
      try {
        out.push(summaryOf(session.sessionId, parseState(session.state), session));
      } catch {
        // Sessions that are not conversations (other session kinds) are not listed.
      }
    }
    return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** Deletes a conversation of `subject`; false when there was none. */
  async delete(tenant: string, subject: string, id: string, anySubject = false): Promise<boolean> {
    const session = await this.sessions.get(tenant, id);
    if (!session || (!anySubject && session.subject !== subject)) return false;
    return this.sessions.delete(tenant, id);
  }

  /**
   * Records a completed turn: its user and assistant messages (replacing any of the same turn, so a retry
   * never duplicates them) and the turn result for idempotent retries. Restarts the session TTL.
   * `loaded` is the conversation as the turn read it; without it the conversation is read again. Writes
   * replace the whole conversation (last writer wins), so turns of one conversation must not overlap: the
   * gateway runs them one after another.
   */
  async saveTurn(
    tenant: string,
    subject: string,
    id: string,
    turn: CompletedTurn,
    userMessage: ConversationMessage,
    assistantMessage: ConversationMessage,
    loaded?: ConversationState,
  ): Promise<void> {
    const state = loaded ?? (await this.get(tenant, subject, id)).state;
    const messages = [
      ...state.messages.filter((m) => m.turnId !== turn.turnId),
      userMessage,
      assistantMessage,
    ].slice(-MAX_HISTORY_MESSAGES);
    const turns = [...state.turns.filter((t) => t.turnId !== turn.turnId), turn].slice(-MAX_REMEMBERED_TURNS);
    const next: ConversationState = { ...state, messages, turns };
    await this.sessions.set({
      tenant,
      subject,
      sessionId: id,
      state: next as unknown as JsonValue,
      ...this.ttl(),
    });
  }
}

function summaryOf(
  id: string,
  state: ConversationState,
  session: { updatedAt: Date; expiresAt: Date },
): ConversationSummary {
  return {
    id,
    title: state.title,
    createdAt: state.createdAt,
    updatedAt: session.updatedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
  };
}
