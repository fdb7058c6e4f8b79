import { BaseCommand, EXIT } from '../cli/base-command.js';
import { renderTable } from '../cli/render.js';
import { type DoctorReport, runDoctor } from '../sdk/diagnostics/doctor.js';

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Check that every engine of the configured profile is reachable.';
  static override description =
    `For each engine the profile uses (embedded: PGlite and the data directory; cluster: Redis, Postgres, Qdrant when vector.backend=qdrant, S3 and Kafka) prints whether it answered, its server version, the round-trip latency, and what to do when it failed.
Each probe is bounded by timeouts.connect / timeouts.request.
Exit 0 when every engine is reachable, 2 otherwise.`;
  static override examples = [
    { description: 'Check the embedded profile', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Check the services a cluster deployment uses',
      command: '<%= config.bin %> <%= command.id %> --profile cluster --set kafka.brokers=127.0.0.1:9092',
    },
    {
      description: 'Machine-readable, for monitoring scripts',
      command: '<%= config.bin %> <%= command.id %> --json',
    },
  ];

  async run(): Promise<DoctorReport> {
    const { config } = this.loadConfig();
    const report = await runDoctor(config);
    if (!this.jsonEnabled()) {
      this.log(`profile: ${report.profile}`);
      this.log(
        renderTable(
          ['engine', 'address', 'status', 'version', 'latency'],
          report.engines.map((e) => [
            e.engine,
            e.address,
            e.reachable ? 'reachable' : 'UNREACHABLE',
            e.version,
            e.latencyMs === null ? null : `${e.latencyMs} ms`,
          ]),
        ),
      );
      for (const engine of report.engines) {
        for (const warning of engine.warnings) this.log(`warning: ${engine.engine}: ${warning}`);
        if (!engine.reachable) this.log(`${engine.engine}: ${engine.error}\n  → ${engine.hint}`);
      }
      this.log(report.ok ? 'All engines reachable.' : 'Some engines are unreachable.');
    }
    process.exitCode = report.ok ? EXIT.ok : EXIT.error;
    return report;
  }
}
