// npm run bench:sync [-- --mb 1024 --segment-mb 1 --sessions 4 --lanes 2]
//
// Backlog drain: `--mb` of sealed segments (default 1 GB of 1 MB segments over 4 sessions) waiting
// on the booth are uploaded by the real sync loop (`--lanes` sessions in parallel, the booth's
// `sync.parallelSessions`) to a real dualrec server on 127.0.0.1, which checks hash, header, chain
// link and ownership, stores each segment durably (temp file, fsync, link, fsync folder) and
// commits its row (SQLite, synchronous=FULL) before it acknowledges; the booth commits each
// acknowledgement (synchronous=FULL) before it counts.
// The server runs in its own process, as deployed (booth and server never share an event loop);
// the baselines run in that same process: the same files sent as plain HTTP PUTs, `--lanes` at a
// time (as many requests in flight as the sync loop has) over the booth's own HTTP transport
// (kept-alive node:http), to a plain node:http server with no protocol that
// (b) writes each body to a new file and fsyncs the file and its folder before it answers: THE
//     baseline the target is judged against. "A raw HTTP PUT of the same bytes" to a server that
//     keeps them: a server that acknowledges evidence must have it on disk first, and a new file
//     survives power loss only once its data and its folder entry are fsync'd. Measured before
//     and after the drain; the mean counts (the machine's load drifts during a run);
// (a) only reads the body and throws it away: loopback HTTP alone, an upper bound no storing
//     server reaches (kept in the JSON as drainVsRawDiscard);
// (c) (a) sent with fetch(), for comparison with earlier runs.
// Prints JSON, then a short table. Runs the compiled code in dist/ (the script builds it first).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type * as SealerModule from '../../src/booth/vault/sealer.js';
import type * as DbModule from '../../src/platform/db.js';
import type * as MigrationsModule from '../../src/booth/db/migrations/index.js';
import type * as ChainModule from '../../src/core/chain.js';
import type * as KeysModule from '../../src/core/keys.js';
import type * as LogModule from '../../src/platform/log.js';
import type * as IdentityModule from '../../src/booth/identity.js';
import type * as ClientModule from '../../src/booth/sync/server-client.js';
import type * as TransportModule from '../../src/booth/sync/http-transport.js';
import type * as SyncModule from '../../src/booth/sync/sync-loop.js';
import type * as FaultsModule from '../../src/booth/faults/fault-reporter.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import type * as ServerProcessModule from './lib/server-process.js';
// The booth runs with this many libuv threads (bin/dualrec.js sets it), so the bench does too.
// The imports above run first; none of them uses the pool, which starts on first use.
process.env.UV_THREADPOOL_SIZE ??= '16';

const dist = resolve(import.meta.dirname, '../../dist');
const load = async <T>(path: string): Promise<T> => (await import(join(dist, path))) as T;

const { values } = parseArgs({ options: { mb: { type: 'string', default: '1024' }, 'segment-mb': { type: 'string', default: '1' }, sessions: { type: 'string', default: '4' }, lanes: { type: 'string', default: '2' } } });
const TOTAL = Math.round(Number(values.mb) * 1024 * 1024);
const SEG = Math.round(Number(values['segment-mb']) * 1024 * 1024);
const SESSIONS = Number(values.sessions);
const LANES = Number(values.lanes);

async function main(): Promise<void> {
  const { SessionSealer } = await load<typeof SealerModule>('booth/vault/sealer.js');
  const { openSqlite } = await load<typeof DbModule>('platform/db.js');
  const { boothMigrations } = await load<typeof MigrationsModule>('booth/db/migrations/index.js');
  const { genesisLink } = await load<typeof ChainModule>('core/chain.js');
  const { wrapDataKey } = await load<typeof KeysModule>('core/keys.js');
  const { createLogger } = await load<typeof LogModule>('platform/log.js');
  const { loadOrCreateDeviceKey, saveIdentity } = await load<typeof IdentityModule>('booth/identity.js');
  const { ServerClient } = await load<typeof ClientModule>('booth/sync/server-client.js');
  const { HttpTransport } = await load<typeof TransportModule>('booth/sync/http-transport.js');
  const { SyncLoop } = await load<typeof SyncModule>('booth/sync/sync-loop.js');
  const { FaultReporter } = await load<typeof FaultsModule>('booth/faults/fault-reporter.js');
  const { startServerProcess } = (await import(join(import.meta.dirname, 'lib/server-process.ts'))) as typeof ServerProcessModule;
  const silent = createLogger('bench', 'silent');

  const dir = mkdtempSync(join(tmpdir(), 'dualrec-bench-sync-'));
  const server = await startServerProcess(dir, SEG + 1024 * 1024);
  try {
    const url = server.url;
    const [code] = await server.enrollmentCodes(1);
    const boothDir = join(dir, 'booth');
    const db = await openSqlite<BoothDb>(join(boothDir, 'booth.sqlite'), boothMigrations);
    const deviceKey = loadOrCreateDeviceKey(boothDir);
    const client = new ServerClient(url, null, 120_000);
    const enrolled = await client.enroll({ code: code!, name: 'bench', publicKey: deviceKey.publicKeyDer.toString('base64') });
    client.setToken(enrolled.token);
    const archiveKey = Buffer.from(enrolled.archivePublicKey, 'base64');
    await saveIdentity(db, { boothId: enrolled.boothId, token: enrolled.token, archivePublicKeyDer: archiveKey, archiveKeyId: enrolled.archiveKeyId, serverUrl: url });

    // The backlog: sealed exactly as the booth seals (untimed).
    const vaultDir = join(boothDir, 'vault');
    const spool = join(boothDir, 'spool');
    await mkdir(spool, { recursive: true });
    const segments = Math.max(1, Math.round(TOTAL / SEG));
    const pool = Array.from({ length: 4 }, () => randomBytes(SEG));
    const ff = { ffmpeg: 'ffmpeg', ffprobe: null, source: 'system' as const, version: 'bench' };
    const files: string[] = [];
    const now = new Date().toISOString();
    for (let s = 0; s < SESSIONS; s++) {
      const sessionId = crypto.randomUUID();
      const key = randomBytes(32);
      await db
        .insertInto('sessions')
        .values({ session_id: sessionId, product_id: 'bench', phase: 'recording', started_at: now, ended_at: null, end_reason: null, key_wrap_json: JSON.stringify(wrapDataKey(key, archiveKey)), genesis_link: genesisLink(sessionId), last_link: genesisLink(sessionId), media_sec: 0, manifest_json: null, signature: null, server_registered: 0, server_finished: 0, archived_at: null, error: null, created_at: now })
        .execute();
      const sealer = new SessionSealer(db, vaultDir, ff, sessionId, enrolled.boothId, key, genesisLink(sessionId), silent);
      const count = Math.floor(segments / SESSIONS) + (s < segments % SESSIONS ? 1 : 0);
      const sealing: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const path = join(spool, `seg-${s}-${i}.ts`);
        writeFileSync(path, pool[(s + i) % pool.length]!);
        sealing.push(sealer.seal({ index: i, path, listStartSec: i * 4, listEndSec: i * 4 + 4 } as unknown as Parameters<typeof sealer.seal>[0]));
        files.push(join(vaultDir, sessionId, `${String(i).padStart(6, '0')}.seg`));
      }
      await Promise.all(sealing);
      sealer.destroy();
    }
    const rows = await db.selectFrom('segments').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('bytes').as('b')]).executeTakeFirstOrThrow();
    const bytes = Number(rows.b);

    // Raw baselines: the same files as plain PUTs, LANES at a time (each lane reads its next file
    // and sends it, like the booth).
    const rawPut = async (target: string, via: 'transport' | 'fetch'): Promise<number> => {
      const transport = new HttpTransport(target);
      let next = 0;
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: LANES }, async () => {
          while (next < files.length) {
            const i = next++;
            const body = await readFile(files[i]!);
            const headers = { 'content-type': 'application/octet-stream', 'content-length': String(body.length) };
            if (via === 'fetch') {
              const res = await fetch(`${target}/put/${i}`, { method: 'PUT', body, headers });
              const text = await res.text();
              if (!res.ok) throw new Error(`raw PUT failed: ${text}`);
            } else {
              const res = await transport.exchange({ method: 'PUT', url: `${target}/put/${i}`, headers, body, timeoutMs: 120_000 });
              if (res.status !== 200) throw new Error(`raw PUT failed: ${res.text}`);
            }
          }
        }),
      );
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      transport.close();
      return sec;
    };
    const rawSec = await rawPut(server.bareUrl, 'transport');
    await server.usage();
    const rawCpu0 = process.cpuUsage();
    const rawFileSecBefore = await rawPut(server.durableUrl, 'transport');
    const rawCpu = cpuMs(process.cpuUsage(rawCpu0), (await server.usage()).cpuCores * rawFileSecBefore * 1000);
    const rawFetchSec = await rawPut(server.bareUrl, 'fetch');

    // The real drain: the booth's sync loop against the real server.
    const sync = new SyncLoop(db, vaultDir, client, { pollMs: 100, backoff: { baseMs: 50, maxMs: 1000 }, parallelSessions: LANES, maxBytesPerSec: null, uploadFailingAfterMs: 600_000 }, new FaultReporter(), silent);
    await server.usage();
    const drainCpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const d0 = process.hrtime.bigint();
    sync.start();
    for (;;) {
      const left = await db.selectFrom('segments').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '!=', 'acknowledged').executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const drainSec = Number(process.hrtime.bigint() - d0) / 1e9;
    const boothElu = performance.eventLoopUtilization(elu0).utilization;
    const serverUsage = await server.usage();
    const drainCpu = cpuMs(process.cpuUsage(drainCpu0), serverUsage.cpuCores * drainSec * 1000);
    await sync.close();
    client.close();
    await db.destroy();
    const stored = await server.storedSegments();
    if (stored !== segments) throw new Error(`server stored ${stored} of ${segments} segments`);
    const rawFileSecAfter = await rawPut(server.durableUrl, 'transport');
    const rawFileSec = (rawFileSecBefore + rawFileSecAfter) / 2;

    const mb = bytes / (1024 * 1024);
    const result = {
      bench: 'sync',
      backlog: { segments, bytes, sessions: SESSIONS, segmentBytes: SEG },
      lanes: LANES,
      cpuMsPerMB: { drain: { booth: round(drainCpu.booth / mb), server: round(drainCpu.server / mb) }, rawHttpPutToFile: { client: round(rawCpu.booth / mb), server: round(rawCpu.server / mb) } },
      drain: { seconds: round(drainSec), MBps: round(mb / drainSec), boothEventLoopUtilization: round(boothElu), serverEventLoopUtilization: round(serverUsage.eventLoopUtilization), serverCpuCores: round(serverUsage.cpuCores) },
      rawHttpPutToFile: { seconds: round(rawFileSec), MBps: round(mb / rawFileSec), before: round(mb / rawFileSecBefore), after: round(mb / rawFileSecAfter) },
      rawHttpPutDiscard: { seconds: round(rawSec), MBps: round(mb / rawSec) },
      rawHttpPutFetchDiscard: { seconds: round(rawFetchSec), MBps: round(mb / rawFetchSec) },
      drainVsRaw: round(rawFileSec / drainSec, 3),
      drainVsRawDiscard: round(rawSec / drainSec, 3),
      drainVsRawFetchDiscard: round(rawFetchSec / drainSec, 3),
      target: { drainVsRawAtLeast: 0.6, judgedAgainst: 'rawHttpPutToFile (new file + fsync of file and folder, mean of before and after the drain)' },
      met: rawFileSec / drainSec >= 0.6,
      machine: { node: process.version, tmpdir: tmpdir(), uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log('');
    console.log(`backlog drain of ${round(mb, 0)} MB (${segments} segments, ${SESSIONS} sessions, ${LANES} parallel) to a server process on 127.0.0.1`);
    console.log(`  sync loop -> dualrec server   ${result.drain.MBps} MB/s   (${result.drain.seconds} s; verified, stored durably, acknowledged)`);
    console.log(`  raw HTTP PUT -> fsync'd file  ${result.rawHttpPutToFile.MBps} MB/s   (before ${result.rawHttpPutToFile.before}, after ${result.rawHttpPutToFile.after}; the baseline)`);
    console.log(`  raw HTTP PUT -> discarded     ${result.rawHttpPutDiscard.MBps} MB/s   (${result.rawHttpPutDiscard.seconds} s; loopback HTTP alone)`);
    console.log(`  raw fetch() PUT -> discarded  ${result.rawHttpPutFetchDiscard.MBps} MB/s   (${result.rawHttpPutFetchDiscard.seconds} s; the client of earlier runs)`);
    console.log(`  ratio vs raw PUT to an fsync'd file ${result.drainVsRaw} (target >= 0.6: ${result.met ? 'met' : 'NOT met'}); vs discarded ${result.drainVsRawDiscard}; vs fetch discarded ${result.drainVsRawFetchDiscard}`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU milliseconds (all threads, user + system) of this process and of the server process. */
function cpuMs(own: NodeJS.CpuUsage, serverMs: number): { booth: number; server: number } {
  return { booth: (own.user + own.system) / 1000, server: serverMs };
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

await main();
