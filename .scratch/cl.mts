import { spawn } from 'node:child_process';
import { createApiKey } from '/work/wt/serve/src/sdk/auth/api-keys.js';
import { pgSqlClient } from '/work/wt/serve/src/sdk/stores/sql/pg-sql-client.js';
const start = (args: string[], env: Record<string, string> = {}) => new Promise<any>((res, rej) => {
  const c = spawn(process.execPath, args, { cwd: '/work/wt/serve', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = ''; c.stderr.on('data', (d) => process.stderr.write(d));
  c.stdout.on('data', (d) => { out += d; const l = out.split('\n').find((x) => x.startsWith('{')); if (l) res({ c, line: JSON.parse(l) }); });
});
const st = await start(['--import', 'tsx', 'bench/serve/pgvector-standin.ts']);
const url = st.line.url;
const sv = await start(['bin/run.js', 'serve', '--port', '0', '--json'], { SOMA_PROFILE: 'cluster', SOMA_POSTGRES_URL: url, SOMA_REDIS_KEY_PREFIX: 'dbg' + Date.now(), SOMA_S3_ENDPOINT: 'http://127.0.0.1:9090', SOMA_S3_BUCKET: 'dbg' + Date.now(), SOMA_S3_ACCESS_KEY_ID: 'test', SOMA_S3_SECRET_ACCESS_KEY: 'test', SOMA_KAFKA_BROKERS: '127.0.0.1:9092', SOMA_SERVER_RATE_LIMIT: '100000', SOMA_LOG_LEVEL: 'warn' });
const sql = await pgSqlClient({ url, connectTimeoutMs: 5000, requestTimeoutMs: 30000 });
const { key } = await createApiKey(sql, { tenant: 'b', subject: 'l' });
const h = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
const ids = await Promise.all(Array.from({ length: 16 }, async () => ((await (await fetch(new URL('/v1/conversations', sv.line.url), { method: 'POST', headers: h, body: '{}' })).json()) as any).id));
const rs = await Promise.all(ids.map(async (id) => { const r = await fetch(new URL(`/v1/conversations/${id}/messages`, sv.line.url), { method: 'POST', headers: h, body: '{"text":"hello"}' }); return [r.status, (await r.text()).slice(0, 300)]; }));
console.log(rs.filter((r) => r[0] !== 200));
sv.c.kill(); st.c.kill(); process.exit(0);
