/**
 * The embedder port: turns texts into vectors for long-term memory, independent of any vendor.
 */

/** Per-call options of {@link Embedder.embed}. */
export interface EmbedOptions {
  /** Aborts the call: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Turns texts into fixed-length vectors; cosine similarity of two vectors measures how alike the texts are. */
export interface Embedder {
  /** Identifies the embedding space (e.g. `hashed-ngram-v1`, `openai:text-embedding-3-small`). */
  readonly name: string;
  /** Length of every vector (`vector.dimensions`). */
  readonly dimensions: number;
  /**
   * One vector per text, in the order of `texts`; every vector has {@link dimensions} finite numbers and is
   * never all zeros. Rejects with a `SomaError` (`ConfigError` for a bad key, model or dimension setting,
   * `UnavailableError` or `TimeoutError` when a remote embedder cannot answer).
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]>;
}
