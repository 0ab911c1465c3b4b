// Webhook delivery against real HTTP receivers on 127.0.0.1: the signature verifies with the
// secret shown once, a 500 is retried with backoff and then delivered (same delivery id), a
// receiver that never answers or refuses connections does not hold up the others, and a delivery
// that keeps failing is given up after maxAttempts. These receivers are on loopback, so the
// workflow here allows private addresses; by default a receiver on loopback, a private network or
// link-local (cloud metadata) is refused without a request.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqlite } from '../../../src/platform/db.js';
import { WebhookPayload } from '../../../src/protocol/review.js';
import { CLI_ACTOR } from '../../../src/server/auth/admin-actor.js';
import { ADDRESS_NOT_ALLOWED } from '../../../src/server/review/workflow/webhook-address.js';
import { serverMigrations } from '../../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../../src/server/db/schema.js';
import { openReviewFixture, type ReviewFixture } from '../../helpers/review-fixture.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

interface Receiver {
  url: string;
  got: Received[];
  server: Server;
}

/** A receiver on 127.0.0.1 answering each request with `answer(n)` (n counts from 0); null: never answers. */
async function receiver(answer: (n: number) => number | null): Promise<Receiver> {
  const got: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answer(got.length - 1);
      if (status !== null) res.writeHead(status).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

/** Verifies `x-dualrec-signature` as a receiver would (review.ts). */
function verifies(secret: string, r: Received): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['x-dualrec-signature']));
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest();
  return Math.abs(Number(m[1]) - Date.now() / 1000) < 300 && timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

let dir: string;
let db: Kysely<ServerDb>;
let f: ReviewFixture;
const receivers: Receiver[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-hooks-'));
  db = await openSqlite<ServerDb>(join(dir, 'server.sqlite'), serverMigrations('sqlite'));
  f = await openReviewFixture(db, { webhooks: { pollMs: 600_000, timeoutMs: 4000, maxAttempts: 3, backoffBaseMs: 1000, backoffMaxMs: 60_000, allowPrivateAddresses: true } });
});
afterEach(async () => {
  for (const r of receivers.splice(0)) {
    r.server.closeAllConnections();
    r.server.close();
  }
  await f?.close();
  await db?.destroy();
  await rm(dir, { recursive: true, force: true });
});

const deliveries = () => db.selectFrom('webhook_deliveries').selectAll().orderBy('created_at').execute();

it('signs each delivery so the receiver verifies it with the secret; a 500 is retried after backoff and delivered once', async () => {
  const good = await receiver(() => 204);
  const flaky = await receiver((n) => (n === 0 ? 500 : 200));
  receivers.push(good, flaky);
  const g = await f.workflow.webhooks.create(CLI_ACTOR, { url: good.url, events: ['review.machine_failed'] });
  const fl = await f.workflow.webhooks.create(CLI_ACTOR, { url: flaky.url, events: ['review.machine_failed'], branches: ['br-a'] });
  const sessionId = await f.reviewed('br-a', 'fail');
  expect(await f.workflow.delivery.runOnce()).toBe(2);
  expect(good.got).toHaveLength(1);
  expect(verifies(g.secret, good.got[0]!)).toBe(true);
  expect(verifies(fl.secret, good.got[0]!)).toBe(false);
  const payload = WebhookPayload.parse(JSON.parse(good.got[0]!.body));
  expect(payload).toMatchObject({ event: 'review.machine_failed', session: { sessionId, branchId: 'br-a', machineVerdict: 'fail', status: 'queued' } });
  expect(good.got[0]!.headers['x-dualrec-delivery']).toBe(payload.deliveryId);
  let rows = await deliveries();
  const byHook = (id: string) => rows.find((d) => d.webhook_id === id)!;
  expect(byHook(g.webhookId)).toMatchObject({ state: 'delivered', attempts: 1, last_status: 204 });
  expect(byHook(fl.webhookId)).toMatchObject({ state: 'pending', attempts: 1, last_status: 500, last_error: 'receiver answered HTTP 500' });
  // Not due yet: backoff (full jitter up to 1 s after the first failure).
  const next = Date.parse(byHook(fl.webhookId).next_attempt_at);
  expect(next - f.clock.now.getTime()).toBeLessThanOrEqual(1000);
  expect(next).toBeGreaterThanOrEqual(f.clock.now.getTime());
  f.clock.advance(1001);
  expect(await f.workflow.delivery.runOnce()).toBe(1);
  expect(await f.workflow.delivery.runOnce()).toBe(0);
  rows = await deliveries();
  expect(byHook(fl.webhookId)).toMatchObject({ state: 'delivered', attempts: 2, last_status: 200, last_error: null });
  expect(flaky.got.map((r) => r.headers['x-dualrec-delivery'])).toEqual([byHook(fl.webhookId).delivery_id, byHook(fl.webhookId).delivery_id]);
  expect(flaky.got.every((r) => verifies(fl.secret, r))).toBe(true);
  expect(good.got).toHaveLength(1);
  const views = await f.workflow.webhooks.list(CLI_ACTOR);
  expect(views.find((v) => v.webhookId === fl.webhookId)).toMatchObject({ pending: 0, lastDelivery: { ok: true, status: 200, error: null } });
});

it('a receiver that never answers or refuses connections does not hold up the others, and is given up after maxAttempts', async () => {
  const good = await receiver(() => 200);
  const hanging = await receiver(() => null);
  receivers.push(good, hanging);
  const refused = await receiver(() => 200);
  refused.server.close();
  await once(refused.server, 'close');
  for (const url of [hanging.url, refused.url, good.url]) await f.workflow.webhooks.create(CLI_ACTOR, { url, events: ['review.escalated', 'review.machine_failed'] });
  await f.reviewed('br-b', 'fail');
  const pass = f.workflow.delivery.runOnce();
  // The good receiver is answered while the hanging one still holds its request open.
  await expect.poll(() => good.got.length, { timeout: 3500, interval: 20 }).toBe(1);
  expect(hanging.got).toHaveLength(1);
  expect(await pass).toBe(3);
  const rows = await deliveries();
  const views = await f.workflow.webhooks.list(CLI_ACTOR);
  const state = (url: string) => rows.find((d) => d.webhook_id === views.find((v) => v.url === url)!.webhookId)!;
  expect(state(good.url)).toMatchObject({ state: 'delivered' });
  expect(state(hanging.url)).toMatchObject({ state: 'pending', last_status: null, last_error: 'no answer within 4000 ms' });
  expect(state(refused.url)).toMatchObject({ state: 'pending', last_status: null, last_error: expect.stringContaining('ECONNREFUSED') });
  // The hanging receiver goes away: its next attempts are refused at once.
  hanging.server.closeAllConnections();
  hanging.server.close();
  for (let i = 0; i < 2; i++) {
    f.clock.advance(120_000);
    await f.workflow.delivery.runOnce();
  }
  const after = await deliveries();
  expect(after.filter((d) => d.state === 'dead').map((d) => d.attempts)).toEqual([3, 3]);
  expect(views.length).toBe(3);
  const health = await f.workflow.webhooks.list(CLI_ACTOR);
  expect(health.find((v) => v.url === refused.url)).toMatchObject({ pending: 0, lastDelivery: { ok: false, status: null, error: expect.stringContaining('ECONNREFUSED') } });
});

it('by default a receiver on loopback, link-local or a private network is refused without a request ("address not allowed")', async () => {
  const local = await receiver(() => 200);
  receivers.push(local);
  const port = new URL(local.url).port;
  const strict = await openReviewFixture(db, { webhooks: { pollMs: 600_000, maxAttempts: 3 } });
  try {
    const urls = [local.url, `http://localhost:${port}/hook`, `http://[::1]:${port}/hook`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.7/hook', 'http://100.64.0.1/hook', 'http://[fd12::1]/hook'];
    for (const url of urls) await strict.workflow.webhooks.create(CLI_ACTOR, { url, events: ['review.machine_failed'] });
    await strict.reviewed('br-a', 'fail');
    expect(await strict.workflow.delivery.runOnce()).toBe(urls.length);
    expect(local.got).toHaveLength(0);
    expect((await deliveries()).map((d) => [d.state, d.attempts, d.last_status, d.last_error])).toEqual(urls.map(() => ['pending', 1, null, ADDRESS_NOT_ALLOWED]));
    const views = await strict.workflow.webhooks.list(CLI_ACTOR);
    expect(views.map((v) => v.lastDelivery)).toEqual(urls.map(() => ({ at: expect.any(String), ok: false, status: null, error: ADDRESS_NOT_ALLOWED })));
  } finally {
    await strict.close();
  }
});
