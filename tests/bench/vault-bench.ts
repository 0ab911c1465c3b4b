// npm run bench:vault [-- --segments 300 --mb 1]
//
// Seal latency and throughput of the booth vault against the raw crypto it is built on, in one
// run on this machine. Each seal is what the booth does for a closed segment: read the plaintext,
// AES-256-GCM + SHA-256 (plaintext and sealed file), write a temp file, fsync, link into place,
// fsync the folder, one SQLite transaction (synchronous=FULL, WAL) inserting the row and moving the
// chain head, delete the plaintext. The baseline encrypts and hashes the same buffers in memory.
// Prints JSON, then a short table. Runs the compiled code in dist/ (the script builds it first).
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type * as SealerModule from '../../src/booth/vault/sealer.js';
import type * as DbModule from '../../src/platform/db.js';
import type * as MigrationsModule from '../../src/booth/db/migrations/index.js';
import type * as ChainModule from '../../src/core/chain.js';
import type * as LogModule from '../../src/platform/log.js';
import type * as FsModule from '../../src/platform/fs.js';
import type { BoothDb } from '../../src/booth/db/schema.js';

const dist = resolve(import.meta.dirname, '../../dist');
const load = async <T>(path: string): Promise<T> => (await import(join(dist, path))) as T;

const { values } = parseArgs({ options: { segments: { type: 'string', default: '300' }, mb: { type: 'string', default: '1' } } });
const SEGMENTS = Number(values.segments);
const BYTES = Math.round(Number(values.mb) * 1024 * 1024);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const { SessionSealer } = await load<typeof SealerModule>('booth/vault/sealer.js');
  const { openSqlite } = await load<typeof DbModule>('platform/db.js');
  const { boothMigrations } = await load<typeof MigrationsModule>('booth/db/migrations/index.js');
  const { genesisLink } = await load<typeof ChainModule>('core/chain.js');
  const { createLogger } = await load<typeof LogModule>('platform/log.js');
  const { writeFileDurable } = await load<typeof FsModule>('platform/fs.js');

  const dir = mkdtempSync(join(tmpdir(), 'dualrec-bench-vault-'));
  try {
    const db = await openSqlite<BoothDb>(join(dir, 'booth.sqlite'), boothMigrations, { synchronous: 'FULL' });
    const sessionId = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
    const boothId = '0b7a2f7e-1c5d-4e8a-9f00-1a2b3c4d5e6f';
    const now = new Date().toISOString();
    await db
      .insertInto('sessions')
      .values({ session_id: sessionId, product_id: 'bench', phase: 'recording', started_at: now, ended_at: null, end_reason: null, key_wrap_json: '{}', genesis_link: genesisLink(sessionId), last_link: genesisLink(sessionId), media_sec: 0, manifest_json: null, signature: null, server_registered: 0, server_finished: 0, archived_at: null, error: null, created_at: now })
      .execute();
    const ff = { ffmpeg: 'ffmpeg', ffprobe: null, source: 'system' as const, version: 'bench' };
    const sealer = new SessionSealer(db, join(dir, 'vault'), ff, sessionId, boothId, randomBytes(32), genesisLink(sessionId), createLogger('bench', 'silent'));
    const spool = join(dir, 'spool');
    await mkdir(spool, { recursive: true });
    // Distinct random plaintexts (written untimed before each seal).
    const pool = Array.from({ length: 8 }, () => randomBytes(BYTES));

    const latencies: number[] = [];
    let sealNs = 0n;
    for (let i = 0; i < SEGMENTS; i++) {
      const path = join(spool, `seg-${i}.ts`);
      writeFileSync(path, pool[i % pool.length]!);
      const t0 = process.hrtime.bigint();
      await sealer.seal({ index: i, path, listStartSec: i * 4, listEndSec: i * 4 + 4 } as unknown as Parameters<typeof sealer.seal>[0]);
      const dt = process.hrtime.bigint() - t0;
      sealNs += dt;
      latencies.push(Number(dt) / 1e6);
    }
    sealer.destroy();
    await db.destroy();

    // Raw AES-256-GCM + SHA-256 of plaintext and ciphertext on the same buffers, in memory.
    const key = randomBytes(32);
    const rawRounds = Math.max(SEGMENTS, 200);
    const r0 = process.hrtime.bigint();
    for (let i = 0; i < rawRounds; i++) {
      const p = pool[i % pool.length]!;
      createHash('sha256').update(p).digest();
      const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
      const body = Buffer.concat([c.update(p), c.final(), c.getAuthTag()]);
      createHash('sha256').update(body).digest();
    }
    const rawNs = process.hrtime.bigint() - r0;

    // Where a seal's time goes: the durable file write alone, and an fsync'd SQLite commit alone.
    const writeMs: number[] = [];
    for (let i = 0; i < Math.min(SEGMENTS, 100); i++) {
      const t = process.hrtime.bigint();
      await writeFileDurable(join(dir, 'probe', `w-${i}.bin`), pool[i % pool.length]!, { exclusive: true });
      writeMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const db2 = await openSqlite<BoothDb>(join(dir, 'probe.sqlite'), boothMigrations, { synchronous: 'FULL' });
    const commitMs: number[] = [];
    for (let i = 0; i < Math.min(SEGMENTS, 100); i++) {
      const t = process.hrtime.bigint();
      await db2.transaction().execute(async (tx) => {
        await tx.insertInto('faults').values({ kind: `k${i}`, session_key: '', severity: 'warning', message: 'bench', session_id: null, since: now, last_seen: now, count: 1, cleared_at: null, version: 1 }).execute();
      });
      commitMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    await db2.destroy();
    writeMs.sort((a, b) => a - b);
    commitMs.sort((a, b) => a - b);

    latencies.sort((a, b) => a - b);
    const mb = BYTES / (1024 * 1024);
    const sealMBps = (SEGMENTS * mb) / (Number(sealNs) / 1e9);
    const rawMBps = (rawRounds * mb) / (Number(rawNs) / 1e9);
    const result = {
      bench: 'vault',
      segments: SEGMENTS,
      segmentBytes: BYTES,
      sealLatencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)!) },
      sealThroughputMBps: round(sealMBps),
      rawAesGcmSha256MBps: round(rawMBps),
      sealVsRaw: round(sealMBps / rawMBps, 3),
      breakdownMsP50: { cryptoInMemory: round((Number(rawNs) / 1e6) / rawRounds), durableFileWrite: round(percentile(writeMs, 50)), sqliteCommitFull: round(percentile(commitMs, 50)) },
      targets: { p99MsAtMost: 50, sealVsRawAtLeast: 0.5 },
      met: { p99: percentile(latencies, 99) <= 50, throughput: sealMBps / rawMBps >= 0.5 },
      machine: { node: process.version, tmpdir: tmpdir() },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log('');
    console.log(`seal of a ${mb} MB segment (incl. fsync + SQLite commit), n=${SEGMENTS}`);
    console.log(`  latency ms      p50 ${result.sealLatencyMs.p50}   p90 ${result.sealLatencyMs.p90}   p99 ${result.sealLatencyMs.p99}   max ${result.sealLatencyMs.max}   (target p99 <= 50: ${result.met.p99 ? 'met' : 'NOT met'})`);
    console.log(`  p50 parts ms    crypto ${result.breakdownMsP50.cryptoInMemory}   durable write (tmp+fsync+link+fsync dir) ${result.breakdownMsP50.durableFileWrite}   SQLite commit ${result.breakdownMsP50.sqliteCommitFull}`);
    console.log(`  throughput MB/s seal ${result.sealThroughputMBps}   raw AES-GCM+SHA-256 ${result.rawAesGcmSha256MBps}   ratio ${result.sealVsRaw}   (target >= 0.5: ${result.met.throughput ? 'met' : 'NOT met'})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

await main();
