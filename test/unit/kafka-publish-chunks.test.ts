import { describe, expect, it } from 'vitest';
import { normaliseMessages } from '../../src/sdk/events/bus/event-bus-checks.js';
import { chunkByPartitionBytes } from '../../src/sdk/events/bus/kafka-publish.js';

const kib = (topic: string, n: number) =>
  normaliseMessages(
    Array.from({ length: n }, () => ({ topic, key: 'k', value: Buffer.alloc(1024) })),
    0,
  );

describe('chunkByPartitionBytes', () => {
  it('keeps a batch within the limit as one request', () => {
    const messages = kib('t', 100);
    expect(
      chunkByPartitionBytes(
        messages,
        messages.map(() => 0),
        1_000_000,
      ),
    ).toEqual([[0, 100]]);
  });

  it('splits where one partition would exceed the limit, counting partitions apart', () => {
    const messages = kib('t', 30);
    // 10 KiB per partition at most: ~9 records of ~1.06 KiB each.
    const onePartition = chunkByPartitionBytes(
      messages,
      messages.map(() => 0),
      10_000,
    );
    expect(onePartition.map(([a, b]) => b - a)).toEqual([9, 9, 9, 3]);
    const alternating = chunkByPartitionBytes(
      messages,
      messages.map((_, i) => i % 2),
      10_000,
    );
    expect(alternating.map(([a, b]) => b - a)).toEqual([18, 12]);
    // Chunks cover the input exactly, in order.
    expect(alternating.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i))).toEqual(
      messages.map((_, i) => i),
    );
  });

  it('sends a message larger than the limit alone (the broker then refuses it)', () => {
    const big = normaliseMessages([{ topic: 't', key: null, value: Buffer.alloc(5000) }], 0);
    const small = kib('t', 2);
    const messages = [...small, ...big, ...small];
    expect(
      chunkByPartitionBytes(
        messages,
        messages.map(() => 0),
        4000,
      ),
    ).toEqual([
      [0, 2],
      [2, 3],
      [3, 5],
    ]);
  });

  it('counts topics apart', () => {
    const messages = [...kib('a', 5), ...kib('b', 5)];
    expect(
      chunkByPartitionBytes(
        messages,
        messages.map(() => 0),
        6000,
      ),
    ).toEqual([[0, 10]]);
  });
});
