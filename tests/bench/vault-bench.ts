// npm run bench:vault [-- --segments 300 --backlog 150 --rounds 3 --mb 1 --depth 4]
//
// Seal latency and throughput of the booth vault against the raw crypto it is built on, in one
// run on this machine. Each seal is what the booth does for a closed segment: read the plaintext,
// AES-256-GCM + SHA-256 (plaintext and sealed file; on the crypto pool's worker threads), write a
// temp file, fsync, link into place, fsync the folder (once per commit group), an SQLite
// transaction (synchronous=FULL, WAL) inserting the rows and moving the chain head, delete the
// plaintext.
// - latency: segments handed over one at a time, each waited for before the next (live recording:
//   FFmpeg closes a segment every few seconds); time from seal() to its commit, per segment.
// - throughput: a backlog of `--backlog` segments handed over at once (after a salvage, or a
//   bitrate the booth cannot seal in real time one by one): wall time from the first seal() to the
//   last commit; `--rounds` rounds, each right after its own raw baseline, median ratio reported. The sealer pipelines it (`--depth` segments in flight, default 8: reads and plaintext hashes
//   ahead, encryption in order, overlapping durable writes, group commits); every segment is as durable as above.
// - baseline: AES-256-GCM + SHA-256 of plaintext and ciphertext of the same buffers, in memory, on
//   one thread (the chain makes encryption and the sealed file's hash strictly sequential; only the
//   plaintext hashes can run beside them, on the pool's other worker).
// Prints JSON, then a short table. Runs the compiled code in dist/ (the script builds it first).
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
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
// The booth runs with this many libuv threads (bin/dualrec.js sets it), so the bench does too.
// The imports above run first; none of them uses the pool, which starts on first use.
process.env.UV_THREADPOOL_SIZE ??= '16';

const dist = resolve(import.meta.dirname, '../../dist');
const load = async <T>(path: string): Promise<T> => (await import(join(dist, path))) as T;

const { values } = parseArgs({
  options: { segments: { type: 'string', default: '300' }, backlog: { type: 'string', default: '150' }, rounds: { type: 'string', default: '3' }, mb: { type: 'string', default: '1' }, depth: { type: 'string' } },
});
const SEGMENTS = Number(values.segments);
const BACKLOG = Number(values.backlog);
const ROUNDS = Number(values.rounds);
const DEPTH = values.depth === undefined ? undefined : Number(values.depth);
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
    const ff = { ffmpeg: 'ffmpeg', ffprobe: null, source: 'system' as const, version: 'bench' };
    const newSealer = async (sessionId: string) => {
      await db
        .insertInto('sessions')
        .values({ session_id: sessionId, product_id: 'bench', phase: 'recording', started_at: now, ended_at: null, end_reason: null, key_wrap_json: '{}', genesis_link: genesisLink(sessionId), last_link: genesisLink(sessionId), media_sec: 0, manifest_json: null, signature: null, server_registered: 0, server_finished: 0, archived_at: null, error: null, created_at: now })
        .execute();
      return new SessionSealer(db, join(dir, 'vault'), ff, sessionId, boothId, randomBytes(32), genesisLink(sessionId), createLogger('bench', 'silent'), { depth: DEPTH });
    };
    const spool = join(dir, 'spool');
    await mkdir(spool, { recursive: true });
    // Distinct random plaintexts (written untimed before each seal).
    const pool = Array.from({ length: 8 }, () => randomBytes(BYTES));
    const segment = (i: number, path: string) => ({ index: i, path, listStartSec: i * 4, listEndSec: i * 4 + 4 }) as unknown as Parameters<SealerModule.SessionSealer['seal']>[0];

    // Latency: one segment at a time.
    const sealer = await newSealer(sessionId);
    const latencies: number[] = [];
    let sealNs = 0n;
    for (let i = 0; i < SEGMENTS; i++) {
      const path = join(spool, `seg-${i}.ts`);
      writeFileSync(path, pool[i % pool.length]!);
      const t0 = process.hrtime.bigint();
      await sealer.seal(segment(i, path));
      const dt = process.hrtime.bigint() - t0;
      sealNs += dt;
      latencies.push(Number(dt) / 1e6);
    }
    sealer.destroy();

    // Raw AES-256-GCM + SHA-256 of plaintext and ciphertext of `n` buffers, in memory; ns.
    const key = randomBytes(32);
    const rawCrypto = (n: number): bigint => {
      const r0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const p = pool[i % pool.length]!;
        createHash('sha256').update(p).digest();
        const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
        const body = Buffer.concat([c.update(p), c.final(), c.getAuthTag()]);
        createHash('sha256').update(body).digest();
      }
      return process.hrtime.bigint() - r0;
    };

    // Throughput: ROUNDS of (the raw baseline, then a backlog of BACKLOG segments handed over at
    // once to a new session), back to back so both see the same machine load; the median round
    // counts. The plaintexts are written and fsync'd untimed first (a backlog's plaintext has been
    // on disk for a while).
    const rounds: { sealMBps: number; rawMBps: number; ratio: number }[] = [];
    const mb = BYTES / (1024 * 1024);
    for (let r = 0; r < ROUNDS; r++) {
      const backlog = await newSealer(crypto.randomUUID());
      const paths = Array.from({ length: BACKLOG }, (_, i) => {
        const path = join(spool, `backlog-${r}-${i}.ts`);
        writeFileSync(path, pool[i % pool.length]!);
        const fd = openSync(path, 'r');
        fsyncSync(fd);
        closeSync(fd);
        return path;
      });
      const rawMBps = (BACKLOG * mb) / (Number(rawCrypto(BACKLOG)) / 1e9);
      const b0 = process.hrtime.bigint();
      await Promise.all(paths.map((p, i) => backlog.seal(segment(i, p))));
      const sealMBps = (BACKLOG * mb) / (Number(process.hrtime.bigint() - b0) / 1e9);
      backlog.destroy();
      rounds.push({ sealMBps: round(sealMBps), rawMBps: round(rawMBps), ratio: round(sealMBps / rawMBps, 3) });
    }
    await db.destroy();
    const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)]!;
    const rawNs = rawCrypto(100);

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
    const oneAtATimeMBps = (SEGMENTS * mb) / (Number(sealNs) / 1e9);
    const result = {
      bench: 'vault',
      segments: SEGMENTS,
      segmentBytes: BYTES,
      sealLatencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)!) },
      pipelineDepth: DEPTH ?? 'default (8)',
      backlogSegments: BACKLOG,
      throughputRounds: rounds,
      sealThroughputMBps: median.sealMBps,
      rawAesGcmSha256MBps: median.rawMBps,
      sealVsRaw: median.ratio,
      oneAtATimeMBps: round(oneAtATimeMBps),
      breakdownMsP50: { cryptoInMemory: round(Number(rawNs) / 1e6 / 100), durableFileWrite: round(percentile(writeMs, 50)), sqliteCommitFull: round(percentile(commitMs, 50)) },
      targets: { p99MsAtMost: 50, sealVsRawAtLeast: 0.5 },
      met: { p99: percentile(latencies, 99) <= 50, throughput: median.ratio >= 0.5 },
      machine: { node: process.version, tmpdir: tmpdir(), uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log('');
    console.log(`seal of a ${mb} MB segment (incl. fsync + SQLite commit), n=${SEGMENTS}`);
    console.log(`  latency ms (one at a time)  p50 ${result.sealLatencyMs.p50}   p90 ${result.sealLatencyMs.p90}   p99 ${result.sealLatencyMs.p99}   max ${result.sealLatencyMs.max}   (target p99 <= 50: ${result.met.p99 ? 'met' : 'NOT met'})`);
    console.log(`  p50 parts ms                crypto ${result.breakdownMsP50.cryptoInMemory}   durable write (tmp+fsync+link+fsync dir) ${result.breakdownMsP50.durableFileWrite}   SQLite commit ${result.breakdownMsP50.sqliteCommitFull}`);
    console.log(`  throughput MB/s (backlog of ${BACKLOG}, median of ${ROUNDS})  seal ${result.sealThroughputMBps}   raw AES-GCM+SHA-256 ${result.rawAesGcmSha256MBps}   ratio ${result.sealVsRaw}   (target >= 0.5: ${result.met.throughput ? 'met' : 'NOT met'})`);
    console.log(`    rounds (ratio)  ${rounds.map((r) => r.ratio).join('  ')};   one at a time: ${result.oneAtATimeMBps} MB/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

await main();
