import { connect } from 'node:net';

/** What a Kafka broker says of itself in an ApiVersions (v3) response. */
export interface BrokerApiVersions {
  readonly apiCount: number;
  /** Highest level of each feature the broker's software supports, e.g. `metadata.version` → 33. */
  readonly supportedFeatures: Readonly<Record<string, number>>;
  /** Finalized feature levels the cluster runs at, e.g. `metadata.version` → 33. */
  readonly finalizedFeatures: Readonly<Record<string, number>>;
}

/**
 * Sends one ApiVersions v3 request over a plain socket and parses the finalized features, which name the
 * cluster's metadata version (the release line the cluster runs at). kafkajs does not expose these.
 */
export function fetchApiVersions(host: string, port: number, timeoutMs: number): Promise<BrokerApiVersions> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ApiVersions answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => socket.write(encodeRequest()));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (all.length < 4 || all.length < 4 + all.readInt32BE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(decodeResponse(all.subarray(4, 4 + all.readInt32BE(0))));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function compactString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([uvarint(bytes.length + 1), bytes]);
}

function encodeRequest(): Buffer {
  const clientId = Buffer.from('somaagent-doctor', 'utf8');
  const header = Buffer.alloc(10);
  header.writeInt16BE(18, 0); // ApiVersions
  header.writeInt16BE(3, 2);
  header.writeInt32BE(1, 4); // correlation id
  header.writeInt16BE(clientId.length, 8);
  const body = Buffer.concat([
    header,
    clientId,
    uvarint(0),
    compactString('somaagent'),
    compactString('0'),
    uvarint(0),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

class Reader {
  constructor(
    private readonly buffer: Buffer,
    public offset = 0,
  ) {}
  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buffer.readUInt8(this.offset++);
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
  }
  compactString(): string {
    const length = this.uvarint() - 1;
    const text = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return text;
  }
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.offset += this.uvarint();
    }
  }
}

function decodeResponse(frame: Buffer): BrokerApiVersions {
  const reader = new Reader(frame);
  reader.int32(); // correlation id
  const errorCode = reader.int16();
  if (errorCode !== 0) throw new Error(`ApiVersions failed with error code ${errorCode}`);
  const apiCount = reader.uvarint() - 1;
  for (let i = 0; i < apiCount; i++) {
    reader.int16();
    reader.int16();
    reader.int16();
    reader.skipTaggedFields();
  }
  reader.int32(); // throttle time
  const supportedFeatures: Record<string, number> = {};
  const finalizedFeatures: Record<string, number> = {};
  const tagCount = reader.uvarint();
  for (let i = 0; i < tagCount; i++) {
    const tag = reader.uvarint();
    const size = reader.uvarint();
    const end = reader.offset + size;
    if (tag === 0 || tag === 2) {
      const features = reader.uvarint() - 1;
      for (let f = 0; f < features; f++) {
        const name = reader.compactString();
        if (tag === 0) {
          reader.int16(); // min version
          supportedFeatures[name] = reader.int16();
        } else {
          finalizedFeatures[name] = reader.int16(); // max version level
          reader.int16();
        }
        reader.skipTaggedFields();
      }
    }
    reader.offset = end;
  }
  return { apiCount, supportedFeatures, finalizedFeatures };
}
