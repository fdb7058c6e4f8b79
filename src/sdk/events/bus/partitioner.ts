/**
 * Kafka's default partitioner for keyed messages (murmur2 of the key bytes, made positive, modulo the
 * partition count), shared by both adapters so a key lands on the same partition number in the embedded
 * log, in Kafka and in any Java or librdkafka producer configured for murmur2.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 hash (`org.apache.kafka.common.utils.Utils.murmur2`) as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a keyed message among `partitions`. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/** Picks partitions: by key hash, else round-robin per topic (keyless messages carry no order to keep). */
export class Partitioner {
  private readonly counters = new Map<string, number>();

  /** The partition of one message of `topic`, which has `partitions` partitions. */
  partition(topic: string, key: Uint8Array | null, partitions: number): number {
    if (key !== null) return partitionForKey(key, partitions);
    const next = this.counters.get(topic) ?? Math.floor(Math.random() * partitions);
    this.counters.set(topic, (next + 1) % 1_000_000_007);
    return next % partitions;
  }
}
