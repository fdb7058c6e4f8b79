import { type Admin, type Kafka, Partitioners, type Producer } from 'kafkajs';

/**
 * The admin and producer clients of a Kafka bus, connected on first use (a failed connect is retried by the
 * next call) and replaceable: kafkajs clients keep refreshing metadata of every topic they ever used and
 * then fail on all topics once one of those is deleted, so the bus swaps in fresh ones when that happens.
 */
export class KafkaClients {
  private admin: Promise<Admin> | undefined;
  private producer: Promise<Producer> | undefined;
  private readonly retired = new Set<Promise<Admin | Producer>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly retries: number,
    /** How long a replaced client stays open for the calls still using it. */
    private readonly graceMs: number,
  ) {}

  /** The connected admin client. */
  connectAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      const connected = admin.connect().then(() => admin);
      this.admin = connected;
      connected.catch(() => {
        if (this.admin === connected) this.admin = undefined;
      });
    }
    return this.admin;
  }

  /**
   * The connected idempotent producer: acks = all (set per send), one request in flight, never creating
   * topics, and a bounded number of retries — kafkajs would retry an idempotent send forever, which would
   * turn a broker outage into a hang instead of a retriable error.
   */
  connectProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: this.retries },
      });
      const connected = producer.connect().then(() => producer);
      this.producer = connected;
      connected.catch(() => {
        if (this.producer === connected) this.producer = undefined;
      });
    }
    return this.producer;
  }

  /** Replaces both clients; the old ones close after the grace period. */
  renew(): void {
    const old = [this.admin, this.producer].filter((c) => c !== undefined);
    this.admin = undefined;
    this.producer = undefined;
    for (const client of old) this.retired.add(client);
    setTimeout(() => {
      for (const client of old) {
        this.retired.delete(client);
        client.then((c) => c.disconnect()).catch(() => {});
      }
    }, this.graceMs).unref();
  }

  /** Disconnects every client, replaced ones included. */
  async close(): Promise<void> {
    const clients = [this.admin, this.producer, ...this.retired];
    this.admin = undefined;
    this.producer = undefined;
    this.retired.clear();
    await Promise.all(clients.map((c) => c?.then((client) => client.disconnect()).catch(() => {})));
  }
}
