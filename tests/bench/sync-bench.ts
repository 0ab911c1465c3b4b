// npm run bench:sync [-- --mb 1024 --segment-mb 1 --sessions 4 --lanes 2]
//
// Backlog drain: `--mb` of sealed segments (default 1 GB of 1 MB segments over 4 sessions) waiting
// on the booth are uploaded by the real sync loop to a real server on 127.0.0.1 (which checks
// hash, header, chain link and ownership, stores each segment durably and commits its row), and
// the same files are sent as plain HTTP PUTs to a bare node:http server that only reads the body,
// with the same number of parallel uploads, in the same run; and, for scale, to one that also
// writes each body durably. Prints JSON, then a short table.
// Runs the compiled code in dist/ (the script builds it first).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
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
import type * as SyncModule from '../../src/booth/sync/sync-loop.js';
import type * as FaultsModule from '../../src/booth/faults/fault-reporter.js';
import type * as ServerModule from '../../src/server/server.js';
import type * as ServerConfigModule from '../../src/server/config.js';
import type * as FsModule from '../../src/platform/fs.js';
import type { BoothDb } from '../../src/booth/db/schema.js';

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
  const { SyncLoop } = await load<typeof SyncModule>('booth/sync/sync-loop.js');
  const { FaultReporter } = await load<typeof FaultsModule>('booth/faults/fault-reporter.js');
  const { Server } = await load<typeof ServerModule>('server/server.js');
  const { parseServerConfig } = await load<typeof ServerConfigModule>('server/config.js');
  const silent = createLogger('bench', 'silent');

  const dir = mkdtempSync(join(tmpdir(), 'dualrec-bench-sync-'));
  const server = await Server.create(parseServerConfig({ dataDir: join(dir, 'server'), port: 0, maxSegmentBytes: SEG + 1024 * 1024 }), { log: silent });
  try {
    const url = await server.listen();
    const { code } = await server.ingest.createEnrollmentCode(1);
    const boothDir = join(dir, 'booth');
    const db = await openSqlite<BoothDb>(join(boothDir, 'booth.sqlite'), boothMigrations);
    const deviceKey = loadOrCreateDeviceKey(boothDir);
    const client = new ServerClient(url, null, 120_000);
    const enrolled = await client.enroll({ code, name: 'bench', publicKey: deviceKey.publicKeyDer.toString('base64') });
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
      for (let i = 0; i < count; i++) {
        const path = join(spool, `seg-${s}-${i}.ts`);
        writeFileSync(path, pool[(s + i) % pool.length]!);
        await sealer.seal({ index: i, path, listStartSec: i * 4, listEndSec: i * 4 + 4 } as unknown as Parameters<typeof sealer.seal>[0]);
        files.push(join(vaultDir, sessionId, `${String(i).padStart(6, '0')}.seg`));
      }
      sealer.destroy();
    }
    const rows = await db.selectFrom('segments').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('bytes').as('b')]).executeTakeFirstOrThrow();
    const bytes = Number(rows.b);

    // Raw baselines: the same files as plain PUTs, LANES at a time, to a bare node:http server that
    // (a) only reads the body (the baseline), (b) also writes each body durably (tmp file,
    // fsync, link, fsync folder), as any server must before it acknowledges evidence.
    const { writeFileDurable } = await load<typeof FsModule>('platform/fs.js');
    const rawPut = async (durable: boolean): Promise<number> => {
      let stored = 0;
      const raw = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (!durable) return void res.end('{}');
          writeFileDurable(join(dir, 'raw', `${stored++}.bin`), Buffer.concat(chunks), { exclusive: true }).then(
            () => res.end('{}'),
            (err: Error) => res.writeHead(500).end(err.message),
          );
        });
      });
      await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
      const rawUrl = `http://127.0.0.1:${(raw.address() as { port: number }).port}`;
      let next = 0;
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: LANES }, async () => {
          while (next < files.length) {
            const i = next++;
            const body = await readFile(files[i]!);
            const res = await fetch(`${rawUrl}/put/${i}`, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
            if (!res.ok) throw new Error(`raw PUT failed: ${await res.text()}`);
            await res.text();
          }
        }),
      );
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      await new Promise<void>((r) => raw.close(() => r()));
      return sec;
    };
    const rawSec = await rawPut(false);
    const rawDurableSec = await rawPut(true);
    rmSync(join(dir, 'raw'), { recursive: true, force: true });

    // The real drain: the booth's sync loop against the real server.
    const sync = new SyncLoop(db, vaultDir, client, { pollMs: 100, backoff: { baseMs: 50, maxMs: 1000 }, parallelSessions: LANES, maxBytesPerSec: null, uploadFailingAfterMs: 600_000 }, new FaultReporter(), silent);
    const d0 = process.hrtime.bigint();
    sync.start();
    for (;;) {
      const left = await db.selectFrom('segments').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '!=', 'acknowledged').executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const drainSec = Number(process.hrtime.bigint() - d0) / 1e9;
    await sync.close();
    await db.destroy();
    const stored = await server.archive.db.selectFrom('segments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(stored.n) !== segments) throw new Error(`server stored ${stored.n} of ${segments} segments`);

    const mb = bytes / (1024 * 1024);
    const result = {
      bench: 'sync',
      backlog: { segments, bytes, sessions: SESSIONS, segmentBytes: SEG },
      lanes: LANES,
      drain: { seconds: round(drainSec), MBps: round(mb / drainSec) },
      rawHttpPut: { seconds: round(rawSec), MBps: round(mb / rawSec) },
      rawHttpPutDurable: { seconds: round(rawDurableSec), MBps: round(mb / rawDurableSec) },
      drainVsRaw: round(rawSec / drainSec, 3),
      drainVsRawDurable: round(rawDurableSec / drainSec, 3),
      target: { drainVsRawAtLeast: 0.6 },
      met: rawSec / drainSec >= 0.6,
      machine: { node: process.version, tmpdir: tmpdir() },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log('');
    console.log(`backlog drain of ${round(mb, 0)} MB (${segments} segments, ${SESSIONS} sessions, ${LANES} parallel) to a server on 127.0.0.1`);
    console.log(`  sync loop -> dualrec server   ${result.drain.MBps} MB/s   (${result.drain.seconds} s; verified, stored durably, acknowledged)`);
    console.log(`  raw HTTP PUT -> bare server   ${result.rawHttpPut.MBps} MB/s   (${result.rawHttpPut.seconds} s)`);
    console.log(`  raw HTTP PUT -> fsync'd files ${result.rawHttpPutDurable.MBps} MB/s   (${result.rawHttpPutDurable.seconds} s)`);
    console.log(`  ratio vs raw ${result.drainVsRaw} (target >= 0.6: ${result.met ? 'met' : 'NOT met'}); vs raw with durable writes ${result.drainVsRawDurable}`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

await main();
