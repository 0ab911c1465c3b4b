// Child process of the benches (see server-process.ts): a real dualrec server (Server.create, the
// compiled code in dist/) on 127.0.0.1, and two bare node:http servers for the baselines: one that
// only reads each body and replies, one that also writes it to a new file and fsyncs the file and
// its folder before replying (the least any server must do before it acknowledges bytes it keeps:
// no temporary name, no checks, no database). Commands arrive over IPC.
import { createServer, type Server as HttpServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as ServerModule from '../../../src/server/server.js';
import type * as ServerConfigModule from '../../../src/server/config.js';
import type * as LogModule from '../../../src/platform/log.js';
import type { Request, Reply } from './server-process.js';

const dist = resolve(import.meta.dirname, '../../../dist');
const load = async <T>(path: string): Promise<T> => (await import(join(dist, path))) as T;

const { Server } = await load<typeof ServerModule>('server/server.js');
const { parseServerConfig } = await load<typeof ServerConfigModule>('server/config.js');
const { createLogger } = await load<typeof LogModule>('platform/log.js');
const { fsyncDir } = await load<typeof import('../../../src/platform/fs.js')>('platform/fs.js');

const { dataDir, maxSegmentBytes } = JSON.parse(process.argv[2]!) as { dataDir: string; maxSegmentBytes: number };
const server = await Server.create(parseServerConfig({ dataDir: join(dataDir, 'server'), port: 0, maxSegmentBytes }), { log: createLogger('bench-server', 'silent') });
const url = await server.listen();

let stored = 0;
const rawDir = join(dataDir, 'raw');
mkdirSync(rawDir, { recursive: true });
/** A new file holding `body`, fsync'd, and its folder fsync'd: it survives power loss. */
async function writeNewFile(body: Buffer): Promise<void> {
  const fh = await open(join(rawDir, `${stored++}.bin`), 'wx', 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsyncDir(rawDir);
}
const raw = (durable: boolean): HttpServer =>
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!durable) return void res.end('{}');
      writeNewFile(Buffer.concat(chunks)).then(
        () => res.end('{}'),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
  });
const bare = raw(false);
const durable = raw(true);
for (const s of [bare, durable]) {
  s.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
}
const at = (s: HttpServer) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

let mark = { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage(), t: performance.now() };

async function handle(req: Request): Promise<Reply> {
  switch (req.type) {
    case 'codes': {
      const codes: string[] = [];
      for (let i = 0; i < req.count; i++) codes.push((await server.ingest.createEnrollmentCode(1)).code);
      return { type: 'codes', codes };
    }
    case 'segments': {
      const r = await server.archive.db.selectFrom('segments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return { type: 'segments', count: Number(r.n) };
    }
    case 'usage': {
      const now = { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage(), t: performance.now() };
      const cpu = process.cpuUsage(mark.cpu);
      const reply: Reply = { type: 'usage', eventLoopUtilization: performance.eventLoopUtilization(now.elu, mark.elu).utilization, cpuCores: (cpu.user + cpu.system) / 1000 / (now.t - mark.t) };
      mark = now;
      return reply;
    }
    case 'close':
      await server.close();
      for (const s of [bare, durable]) s.closeAllConnections();
      await Promise.all([bare, durable].map((s) => new Promise((r) => s.close(r))));
      return { type: 'closed' };
  }
}

process.on('message', (m: { id: number; req: Request }) => {
  handle(m.req).then(
    (reply) => process.send!({ id: m.id, reply }, () => (reply.type === 'closed' ? process.exit(0) : undefined)),
    (err: Error) => process.send!({ id: m.id, error: err.message }),
  );
});
process.send!({ id: 0, reply: { type: 'ready', url, bare: at(bare), durable: at(durable) } satisfies Reply });
