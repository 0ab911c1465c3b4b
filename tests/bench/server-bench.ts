// npm run bench:server [-- --steps 25,50,100,200,300,400 --window 20 --interval 4 --segment-mb 0.5 --p99-ms 500 --baseline durable]
//
// How many booths one dualrec server holds. N simulated booths each upload one sealed segment
// every `--interval` s (a 720p 4 s segment is ~0.5 MB) to a real server (Server.create, its own
// process, SQLite + filesystem store) on 127.0.0.1. The booths are real to the server: enrolled
// through the API with their own device keys and tokens, one registered session each per step,
// segments sealed with the booth's envelope (AES-256-GCM, header, hash chain), which the server
// fully verifies (body hash, header, chain link, ownership), stores durably and commits before it
// acknowledges. The segments of a step are sealed before the step starts, in this process (the
// load generator), so sending is cheap and never shares the server's event loop.
// Booths start evenly spread over the interval; each sends its next segment when it is due, or
// when the previous one is acknowledged if that comes later (a booth uploads in order).
// Acknowledgement latency = acknowledgement time - due time (queueing behind a slow predecessor
// counts). N is ramped over `--steps`, each held for `--window` s; the ramp stops at the first
// step whose p99 exceeds `--p99-ms` or that has an error. Each step is repeated, same schedule
// and bodies, against a bare node:http server in the same server process (`--baseline durable`:
// writes each body durably, temp file + fsync + link + fsync folder; `bare`: only reads it;
// `none`). Prints JSON, then a short table. Runs the compiled code in dist/ (the script builds it first).
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type * as ChainModule from '../../src/core/chain.js';
import type * as EnvelopeModule from '../../src/core/envelope.js';
import type * as KeysModule from '../../src/core/keys.js';
import type * as ClientModule from '../../src/booth/sync/server-client.js';
import type * as TransportModule from '../../src/booth/sync/http-transport.js';
import type * as ApiModule from '../../src/protocol/server-api.js';
import type * as ServerProcessModule from './lib/server-process.js';

const dist = resolve(import.meta.dirname, '../../dist');
const load = async <T>(path: string): Promise<T> => (await import(join(dist, path))) as T;

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '25,50,100,200,300,400' },
    window: { type: 'string', default: '20' },
    interval: { type: 'string', default: '4' },
    'segment-mb': { type: 'string', default: '0.5' },
    'p99-ms': { type: 'string', default: '500' },
    baseline: { type: 'string', default: 'durable' },
  },
});
const STEPS = values.steps.split(',').map(Number);
const INTERVAL_MS = Number(values.interval) * 1000;
const PER_BOOTH = Math.max(1, Math.ceil((Number(values.window) * 1000) / INTERVAL_MS));
const SEG = Math.round(Number(values['segment-mb']) * 1024 * 1024);
const P99_MS = Number(values['p99-ms']);
const BASELINE = values.baseline as 'durable' | 'bare' | 'none';
const TARGET_BOOTHS = 200;

interface Booth {
  boothId: string;
  token: string;
}
interface Upload {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  sha256: string;
}
interface StepRun {
  acknowledged: number;
  errors: string[];
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  sendOnlyP99Ms: number;
  segmentsPerSec: number;
  MBps: number;
  server: { eventLoopUtilization: number; cpuCores: number };
}

async function main(): Promise<void> {
  const { genesisLink, nextLink } = await load<typeof ChainModule>('core/chain.js');
  const { sealSegment } = await load<typeof EnvelopeModule>('core/envelope.js');
  const { wrapDataKey } = await load<typeof KeysModule>('core/keys.js');
  const { ServerClient } = await load<typeof ClientModule>('booth/sync/server-client.js');
  const { HttpTransport } = await load<typeof TransportModule>('booth/sync/http-transport.js');
  const { API_PREFIX, SEGMENT_SHA256_HEADER } = await load<typeof ApiModule>('protocol/server-api.js');
  const { startServerProcess } = (await import(join(import.meta.dirname, 'lib/server-process.ts'))) as typeof ServerProcessModule;

  const dir = mkdtempSync(join(tmpdir(), 'dualrec-bench-server-'));
  const server = await startServerProcess(dir, SEG + 1024 * 1024);
  const booths: Booth[] = [];
  let archiveKey = Buffer.alloc(0);
  const plaintexts = Array.from({ length: 4 }, () => randomBytes(SEG));

  /** Enrolls booths through the API until there are `n`. */
  const enrollUpTo = async (n: number) => {
    const codes = await server.enrollmentCodes(Math.max(0, n - booths.length));
    for (const code of codes) {
      const { publicKey } = generateKeyPairSync('ed25519');
      const res = await new ServerClient(server.url).enroll({ code, name: `bench-${booths.length}`, publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') });
      archiveKey = Buffer.from(res.archivePublicKey, 'base64');
      booths.push({ boothId: res.boothId, token: res.token });
    }
  };

  /** One new registered session per booth, and its PER_BOOTH segments sealed and chained. */
  const prepare = async (n: number): Promise<Upload[][]> => {
    const uploads: Upload[][] = [];
    for (const booth of booths.slice(0, n)) {
      const client = new ServerClient(server.url, booth.token);
      const sessionId = randomUUID();
      const key = randomBytes(32);
      await client.createSession({ sessionId, productId: 'bench-fund', startedAt: new Date().toISOString(), keyWrap: wrapDataKey(key, archiveKey) });
      client.close();
      let prevLink = genesisLink(sessionId);
      const list: Upload[] = [];
      for (let seq = 0; seq < PER_BOOTH; seq++) {
        const sealed = sealSegment(key, { sessionId, boothId: booth.boothId, seq, prevLink, startSec: seq * 4, durationSec: 4, container: 'mpegts', recordedAt: new Date().toISOString() }, plaintexts[seq % plaintexts.length]!);
        prevLink = nextLink(prevLink, sealed.cipherSha256);
        list.push({
          url: `${API_PREFIX}/sessions/${sessionId}/segments/${seq}`,
          body: sealed.bytes,
          sha256: sealed.cipherSha256,
          headers: { authorization: `Bearer ${booth.token}`, 'content-type': 'application/octet-stream', 'content-length': String(sealed.bytes.length), [SEGMENT_SHA256_HEADER]: sealed.cipherSha256 },
        });
      }
      uploads.push(list);
    }
    return uploads;
  };

  /** Runs the schedule against `base`; `dualrec` checks each acknowledgement names the segment's hash. */
  const run = async (base: string, uploads: Upload[][], dualrec: boolean): Promise<StepRun> => {
    const http = new HttpTransport(base);
    const latencies: number[] = [];
    const sendOnly: number[] = [];
    const errors: string[] = [];
    await server.usage();
    const t0 = performance.now() + 200;
    await Promise.all(
      uploads.map(async (list, i) => {
        const phase = (i / uploads.length) * INTERVAL_MS;
        for (const [seq, u] of list.entries()) {
          const due = t0 + phase + seq * INTERVAL_MS;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          const sent = performance.now();
          try {
            const res = await http.exchange({ method: 'PUT', url: `${base}${u.url}`, headers: u.headers, body: u.body, timeoutMs: 60_000 });
            if (res.status !== 200 && res.status !== 201) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
            if (dualrec && (JSON.parse(res.text) as { sha256?: string }).sha256 !== u.sha256) throw new Error(`acknowledgement names another hash: ${res.text.slice(0, 200)}`);
          } catch (err) {
            errors.push(`booth ${i} segment ${seq}: ${(err as Error).message}`);
            return;
          }
          const now = performance.now();
          latencies.push(now - due);
          sendOnly.push(now - sent);
        }
      }),
    );
    const sec = (performance.now() - t0) / 1000;
    http.close();
    latencies.sort((a, b) => a - b);
    sendOnly.sort((a, b) => a - b);
    const n = latencies.length;
    return {
      acknowledged: n,
      errors,
      latencyMs: { p50: round(pct(latencies, 50)), p90: round(pct(latencies, 90)), p99: round(pct(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
      sendOnlyP99Ms: round(pct(sendOnly, 99)),
      segmentsPerSec: round(n / sec),
      MBps: round((n * SEG) / (1024 * 1024) / sec),
      server: await server.usage().then((u) => ({ eventLoopUtilization: round(u.eventLoopUtilization, 2), cpuCores: round(u.cpuCores, 2) })),
    };
  };

  const steps: { booths: number; dualrec: StepRun; baseline: StepRun | null; ok: boolean }[] = [];
  try {
    for (const n of STEPS) {
      await enrollUpTo(n);
      const uploads = await prepare(n);
      const before = await server.storedSegments();
      const dualrec = await run(server.url, uploads, true);
      const stored = (await server.storedSegments()) - before;
      if (stored !== dualrec.acknowledged) dualrec.errors.push(`the server stored ${stored} segments but acknowledged ${dualrec.acknowledged}`);
      const baseline = BASELINE === 'none' ? null : await run(BASELINE === 'durable' ? server.durableUrl : server.bareUrl, uploads, false);
      rmSync(join(dir, 'raw'), { recursive: true, force: true });
      const ok = dualrec.errors.length === 0 && dualrec.acknowledged === n * PER_BOOTH && dualrec.latencyMs.p99 <= P99_MS;
      steps.push({ booths: n, dualrec, baseline, ok });
      console.error(`${n} booths: p99 ${dualrec.latencyMs.p99} ms${baseline ? ` (baseline ${baseline.latencyMs.p99} ms)` : ''}, ${dualrec.errors.length} errors -> ${ok ? 'ok' : 'over the limit'}`);
      if (!ok) break;
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const held = steps.filter((s) => s.ok).at(-1)?.booths ?? 0;
  const result = {
    bench: 'server',
    load: { segmentBytes: SEG, intervalSec: INTERVAL_MS / 1000, segmentsPerBoothPerStep: PER_BOOTH, latency: 'acknowledgement time - due time' },
    baseline: BASELINE,
    steps: steps.map((s) => ({ booths: s.booths, ok: s.ok, dualrec: { ...s.dualrec, errors: s.dualrec.errors.slice(0, 5), errorCount: s.dualrec.errors.length }, baseline: s.baseline && { ...s.baseline, errors: s.baseline.errors.slice(0, 5), errorCount: s.baseline.errors.length } })),
    maxBoothsWithinP99: held,
    rampEnded: steps.at(-1)?.ok ? 'all steps held (raise --steps to find the limit)' : 'first step over the limit',
    target: { booths: TARGET_BOOTHS, p99MsAtMost: P99_MS },
    met: held >= TARGET_BOOTHS,
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length, tmpdir: tmpdir() },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log('');
  console.log(`booths uploading ${SEG / (1024 * 1024)} MB every ${INTERVAL_MS / 1000} s to one server process on 127.0.0.1 (acknowledgement latency, ms; server event loop busy share and CPU cores)`);
  const row = (cells: (string | number)[]) => cells.map((c) => String(c).padStart(9)).join(' ');
  console.log(row(['booths', 'seg/s', 'MB/s', 'p50', 'p99', 'max', 'errors', 'srv ELU', 'srv CPU', ...(BASELINE === 'none' ? [] : [`${BASELINE} p99`])]));
  for (const s of steps) {
    const d = s.dualrec;
    const cells = [s.booths, d.segmentsPerSec, d.MBps, d.latencyMs.p50, d.latencyMs.p99, d.latencyMs.max, d.errors.length, d.server.eventLoopUtilization, d.server.cpuCores];
    console.log(row(s.baseline ? [...cells, s.baseline.latencyMs.p99] : cells) + (s.ok ? '' : '   <- over'));
  }
  console.log(`  largest N with p99 <= ${P99_MS} ms: ${held} (target ${TARGET_BOOTHS}: ${result.met ? 'met' : 'NOT met'})`);
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

await main();
