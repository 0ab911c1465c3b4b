// A dualrec server in its own process for the benches, as it is deployed: the booths (or the load
// generator) never share its event loop. Also runs the bare HTTP baselines. See server-process-main.ts.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export type Request = { type: 'codes'; count: number } | { type: 'segments' } | { type: 'usage' } | { type: 'close' };
export type Reply =
  | { type: 'ready'; url: string; bare: string; durable: string }
  | { type: 'codes'; codes: string[] }
  | { type: 'segments'; count: number }
  /** Since the previous usage call (or the start): share of time the event loop was busy, CPU time per wall time. */
  | { type: 'usage'; eventLoopUtilization: number; cpuCores: number }
  | { type: 'closed' };

export interface ServerProcess {
  /** The dualrec server. */
  url: string;
  /** Reads each body and replies. */
  bareUrl: string;
  /** Writes each body to a new file, fsyncs it and its folder, then replies. */
  durableUrl: string;
  pid: number;
  enrollmentCodes(count: number): Promise<string[]>;
  storedSegments(): Promise<number>;
  usage(): Promise<{ eventLoopUtilization: number; cpuCores: number }>;
  close(): Promise<void>;
}

/** DUALREC_BENCH_SERVER_NODE_ARGS adds Node options to the server process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it). */
export async function startServerProcess(dataDir: string, maxSegmentBytes: number): Promise<ServerProcess> {
  const execArgv = (process.env.DUALREC_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = fork(join(import.meta.dirname, 'server-process-main.ts'), [JSON.stringify({ dataDir, maxSegmentBytes })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`the bench server process exited (${code})`));
    waiting.clear();
  });
  child.on('message', (m: { id: number; reply?: Reply; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.reply!);
  });
  const call = <T extends Reply['type']>(req: Request, type: T): Promise<Extract<Reply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: (r) => (r.type === type ? resolve(r as Extract<Reply, { type: T }>) : reject(new Error(`unexpected reply ${r.type}`))), reject });
      child.send({ id, req });
    });
  const ready = await new Promise<Extract<Reply, { type: 'ready' }>>((resolve, reject) => {
    waiting.set(0, { resolve: (r) => resolve(r as Extract<Reply, { type: 'ready' }>), reject });
  });
  return {
    url: ready.url,
    bareUrl: ready.bare,
    durableUrl: ready.durable,
    pid: child.pid!,
    enrollmentCodes: async (count) => (await call({ type: 'codes', count }, 'codes')).codes,
    storedSegments: async () => (await call({ type: 'segments' }, 'segments')).count,
    usage: async () => {
      const { eventLoopUtilization, cpuCores } = await call({ type: 'usage' }, 'usage');
      return { eventLoopUtilization, cpuCores };
    },
    close: async () => {
      try {
        if (child.exitCode === null) await call({ type: 'close' }, 'closed');
      } catch (err) {
        // It may have exited on its own in between: that is a close too.
        if (child.exitCode === null) throw err;
      }
      await exited;
    },
  };
}
