// A real server on a temp folder with branches br-a and br-b, one booth enrolled into br-a (its
// bearer token) and one registered session: what route-level tests of the server API start from.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newDataKey } from '../../src/core/envelope.js';
import { wrapDataKey } from '../../src/core/keys.js';
import { createLogger } from '../../src/platform/log.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import { parseServerConfig, type ServerConfigInput } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { ensureBranches } from './staff.js';

export interface ApiFixture {
  dir: string;
  server: Server;
  base: URL;
  booth: { headers: Record<string, string>; boothId: string; sessionId: string };
  close(): Promise<void>;
}

export async function openApiFixture(config: ServerConfigInput = {}, opts: Omit<Parameters<typeof Server.create>[1] & object, 'log'> = {}): Promise<ApiFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dualrec-api-'));
  const server = await Server.create(parseServerConfig({ ...config, dataDir: dir, port: 0 }), { ...opts, log: createLogger('server', process.env.DUALREC_LOG_LEVEL ?? 'silent') });
  const close = async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const base = new URL(await server.listen());
    await ensureBranches(server, ['br-a', 'br-b']);
    const { code } = await server.auth.branches.createEnrollmentCode(CLI_ACTOR, 'br-a', 1);
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const res = await server.http.inject({ method: 'POST', url: '/api/v1/booths/enroll', payload: { code, name: 'fixture-booth', publicKey } });
    if (res.statusCode !== 201) throw new Error(`enrollment failed: ${res.statusCode} ${res.body}`);
    const enrolled = res.json<{ token: string; boothId: string; archivePublicKey: string }>();
    const headers = { authorization: `Bearer ${enrolled.token}` };
    const sessionId = randomUUID();
    const keyWrap = wrapDataKey(newDataKey(), Buffer.from(enrolled.archivePublicKey, 'base64'));
    const created = await server.http.inject({ method: 'POST', url: '/api/v1/sessions', headers, payload: { sessionId, productId: 'fund-1', startedAt: new Date().toISOString(), keyWrap } });
    if (created.statusCode !== 201) throw new Error(`session registration failed: ${created.statusCode} ${created.body}`);
    return { dir, server, base, booth: { headers, boothId: enrolled.boothId, sessionId }, close };
  } catch (err) {
    await close();
    throw err;
  }
}
