import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Booth } from '../../src/booth/booth.js';
import { parseBoothConfig, type BoothConfigInput } from '../../src/booth/config.js';
import { parseServerConfig, type ServerConfigInput } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import { createLogger } from '../../src/platform/log.js';

export interface Stack {
  /** The current server (replaced by restartServer). */
  server: Server;
  /** Stops the server (the booth keeps recording and queues its uploads). */
  stopServer(): Promise<void>;
  /** Starts a server again on the same data folder and port. */
  restartServer(): Promise<void>;
  booth: Booth;
  serverUrl: string;
  /** Base URL of the booth's kiosk bridge (serves out/renderer). */
  bridgeUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

export interface StackOptions {
  segmentSeconds?: number;
  /** Keep the data folder after close (for debugging). */
  keep?: boolean;
  booth?: BoothConfigInput;
  /** Server settings on top of the defaults (e.g. `database`). */
  server?: Partial<ServerConfigInput>;
  /** Enroll the booth into this branch (created if missing); default: no branch. */
  branchId?: string;
}

const level = () => process.env.DUALREC_LOG_LEVEL ?? 'silent';

/** Starts a real server and a real booth (fake lavfi capture) on 127.0.0.1 ephemeral ports. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dualrec-stack-'));
  const server = await Server.create(parseServerConfig({ dataDir: join(dataDir, 'server'), port: 0, jobPollMs: 100, ...opts.server }), { log: createLogger('server', level()) });
  let booth: Booth | null = null;
  try {
    const serverUrl = await server.listen();
    if (opts.branchId) await server.auth.branches.create(CLI_ACTOR, { branchId: opts.branchId, name: `Branch ${opts.branchId}` });
    const { code } = await server.ingest.createEnrollmentCode(1, opts.branchId ?? null);
    booth = await Booth.create(
      parseBoothConfig({
        name: 'test-booth',
        dataDir: join(dataDir, 'booth'),
        ...opts.booth,
        server: { url: serverUrl, enrollmentCode: code },
        bridge: { port: 0, staticDir: resolve(import.meta.dirname, '../../out/renderer'), ...opts.booth?.bridge },
        capture: { screen: 'none', segmentSeconds: opts.segmentSeconds ?? 2, ...opts.booth?.capture },
        sync: { pollMs: 100, backoffBaseMs: 50, backoffMaxMs: 1000, ...opts.booth?.sync },
      }),
      { log: createLogger('booth', level()) },
    );
    const b = booth;
    const port = Number(new URL(serverUrl).port);
    const stack: Stack = {
      server,
      booth: b,
      serverUrl,
      bridgeUrl: b.bridgeUrl ?? '',
      dataDir,
      async stopServer() {
        await stack.server.close();
      },
      async restartServer() {
        stack.server = await Server.create(parseServerConfig({ dataDir: join(dataDir, 'server'), port, jobPollMs: 100, ...opts.server }), { log: createLogger('server', level()) });
        await stack.server.listen();
      },
      async close() {
        await b.close();
        await stack.server.close();
        if (!opts.keep) await rm(dataDir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (err) {
    await booth?.close();
    await server.close();
    throw err;
  }
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; `what` (or what it returns at the deadline) names the wait. */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string | (() => string)): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
