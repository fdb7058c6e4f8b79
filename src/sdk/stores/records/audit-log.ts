/**
 * The audit log port: an append-only record of who did what to which resource, per tenant and subject.
 * Retention (180 days by default, `retention.audit`) is enforced with {@link AuditLog.purgeOlderThan};
 * erasure pseudonymises a subject's entries rather than deleting them, so the trail stays intact.
 */

/** An entry to append. */
export interface NewAuditEntry {
  /** When it happened; now when omitted. Stored with millisecond precision. */
  readonly at?: Date;
  readonly tenant: string;
  /** The person the entry is about, or null for entries about no one (configuration changes…). */
  readonly subject?: string | null;
  /** Who did it: a user id (the subject themselves, an operator) or a service (`system`, `relay`). */
  readonly actor: string;
  /** What was done, e.g. `memory.write`, `erase.execute`. */
  readonly action: string;
  /** What it was done to, e.g. `session:abc`, `tool:web.search@1.2.0`. */
  readonly resource: string;
  /**
   * Structured details (a JSON object of at most 64 KiB). Must not carry personal data: the person goes in
   * `subject`/`actor`, which pseudonymisation replaces; `details` is never rewritten.
   */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A stored entry. */
export interface AuditEntry {
  /** Opaque, increasing id (a decimal string). */
  readonly id: string;
  readonly at: Date;
  readonly tenant: string;
  readonly subject: string | null;
  readonly actor: string;
  readonly action: string;
  readonly resource: string;
  readonly details: Record<string, unknown>;
}

/** Filters of {@link AuditLog.query}. */
export interface AuditQuery {
  readonly tenant: string;
  /** Only entries about this subject (exact match). */
  readonly subject?: string;
  /** Only entries by this actor (exact match). */
  readonly actor?: string;
  /** Only this action (exact match). */
  readonly action?: string;
  /** Inclusive lower bound of `at`. */
  readonly from?: Date;
  /** Exclusive upper bound of `at`. */
  readonly to?: Date;
  /** Page size, 1 to 1000; 100 when omitted. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** One page of entries in chronological order (`at`, then `id`). */
export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  /** Pass as `cursor` for the next page; undefined on the last page. */
  readonly nextCursor: string | undefined;
}

/**
 * Append-only audit log. There is no update or delete API except {@link pseudonymiseSubject} and
 * {@link purgeOlderThan}; on Postgres and PGlite a trigger also refuses any other UPDATE, DELETE or TRUNCATE of
 * the table. Ids (tenant, subject, actor, action, resource) are checked with `checkId`; a malformed value is an
 * `InvalidInputError`, an unreachable engine an `UnavailableError`.
 */
export interface AuditLog {
  /** Appends one entry and returns it as stored. */
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Appends entries in one statement (all or none), in order; returns them as stored. */
  appendMany(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]>;
  /** Entries of one tenant, filtered, in chronological order, one page at a time. */
  query(query: AuditQuery): Promise<AuditPage>;
  /**
   * Replaces `subject` by `pseudonym` in the tenant's entries, both where the subject is the person the entry
   * is about and where they are the actor. Exact match only: `alice2`, `Alice`, `alice%` are untouched.
   * Returns the number of entries changed.
   */
  pseudonymiseSubject(tenant: string, subject: string, pseudonym: string): Promise<number>;
  /**
   * Deletes entries older than `before` (exclusive), in batches, except entries about a subject under a legal
   * hold. Returns the number deleted.
   */
  purgeOlderThan(before: Date): Promise<number>;
  /** Number of the tenant's entries about or by `subject` (what erasure would pseudonymise). */
  countBySubject(tenant: string, subject: string): Promise<number>;
  /** Time of the oldest entry, or undefined when the log is empty (for retention checks). */
  oldest(): Promise<Date | undefined>;
}
