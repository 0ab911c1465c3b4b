import { createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { backoffDelay } from '../../../core/backoff.js';
import { parseStoredJson } from '../../../core/validate.js';
import { KeyWrap } from '../../../protocol/envelope.js';
import type { Logger } from '../../../platform/log.js';
import { PeriodicTask } from '../../../platform/periodic.js';
import { dialectOf } from '../../db/portable.js';
import type { ServerDb } from '../../db/schema.js';
import type { KeyProvider } from '../../keys/key-provider.js';
import type { ReviewConfig } from './review-config.js';
import { ADDRESS_NOT_ALLOWED, internalAddresses } from './webhook-address.js';

/** Deliveries one pass claims and sends at once. */
const BATCH = 20;

/**
 * `x-dualrec-signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the secret being the
 * base64url text POST /webhooks answered (its UTF-8 bytes are the HMAC key).
 */
export function webhookSignature(secret: string, unixSec: number, body: string): string {
  return `t=${unixSec},v1=${createHmac('sha256', secret).update(`${unixSec}.${body}`).digest('hex')}`;
}

interface Claimed {
  delivery_id: string;
  webhook_id: string;
  event: string;
  payload_json: string;
  attempts: number;
  url: string;
  secret_wrap_json: string;
}

/**
 * Sends the webhook outbox. Each pass claims due deliveries (PostgreSQL: `FOR UPDATE SKIP LOCKED`,
 * so instances never send one delivery at once) by pushing their next attempt one timeout plus a
 * margin ahead (a lease: a crashed sender's claim lapses), sends them all concurrently (one slow
 * or dead receiver costs its own timeout, never the others'), then records each outcome: 2xx
 * delivered; otherwise retried after exponential backoff with full jitter, `dead` after maxAttempts.
 * `attempts` is the claim's token: only the latest claimant records an outcome. Unless
 * `allowPrivateAddresses`, a receiver whose host resolves to an internal address (webhook-address.ts)
 * is refused without a request, recorded as a failed attempt (`ADDRESS_NOT_ALLOWED`).
 */
export class WebhookDelivery {
  private readonly secrets = new Map<string, string>();
  private task: PeriodicTask<number> | null = null;

  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly keys: KeyProvider,
    private readonly config: ReviewConfig['webhooks'],
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): PeriodicTask<number> {
    this.task ??= new PeriodicTask(() => this.runOnce(), this.config.pollMs, (err) => this.log.error({ err }, 'webhook delivery pass failed'));
    this.task.start();
    return this.task;
  }

  /** Looks for due deliveries now (an event was just written). */
  kick(): void {
    if (this.task && !this.task.closed) this.task.run().then(undefined, (err: unknown) => this.log.error({ err }, 'webhook delivery pass failed'));
  }

  /** One pass: claims due deliveries, sends them, records outcomes. Returns how many were sent. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((d) => this.send(d)));
    return claimed.length;
  }

  private async claim(): Promise<Claimed[]> {
    const now = this.now();
    const lease = new Date(now.getTime() + this.config.timeoutMs * 2 + 5000).toISOString();
    const skipLocked = dialectOf(this.db) === 'postgres' ? sql`FOR UPDATE OF d SKIP LOCKED` : sql``;
    return this.db.transaction().execute(async (tx) => {
      const due = await sql<Claimed>`SELECT d.delivery_id, d.webhook_id, d.event, d.payload_json, d.attempts, w.url, w.secret_wrap_json
        FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id
        WHERE d.state = 'pending' AND d.next_attempt_at <= ${now.toISOString()} AND w.deleted_at IS NULL
        ORDER BY d.next_attempt_at, d.delivery_id LIMIT ${BATCH} ${skipLocked}`.execute(tx);
      const out: Claimed[] = [];
      for (const d of due.rows) {
        const attempts = Number(d.attempts) + 1;
        const r = await tx
          .updateTable('webhook_deliveries')
          .set({ attempts, next_attempt_at: lease })
          .where('delivery_id', '=', d.delivery_id)
          .where('attempts', '=', Number(d.attempts))
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) out.push({ ...d, attempts });
      }
      return out;
    });
  }

  private async secretOf(d: Claimed): Promise<string> {
    const cached = this.secrets.get(d.webhook_id);
    if (cached) return cached;
    const wrap = parseStoredJson(KeyWrap, d.secret_wrap_json, `secret of webhook ${d.webhook_id}`, 'webhook.bad_row');
    const secret = (await this.keys.unwrap(wrap)).toString('base64url');
    this.secrets.set(d.webhook_id, secret);
    return secret;
  }

  private async send(d: Claimed): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    try {
      const internal = this.config.allowPrivateAddresses ? [] : await internalAddresses(d.url);
      if (internal.length > 0) {
        this.log.warn({ deliveryId: d.delivery_id, webhookId: d.webhook_id, addresses: internal }, 'webhook delivery refused: the receiver resolves to an internal address');
        error = ADDRESS_NOT_ALLOWED;
      } else {
        status = await this.post(d);
        if (status < 200 || status > 299) error = `receiver answered HTTP ${status}`;
      }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      error = e.name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : e.cause?.message ? ` (${e.cause.message})` : ''}`;
    }
    await this.record(d, status, error);
  }

  /** POSTs the signed delivery; answers the receiver's status. */
  private async post(d: Claimed): Promise<number> {
    const secret = await this.secretOf(d);
    const at = this.now();
    const res = await fetch(d.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(this.config.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'dualrec-webhooks/1',
        'x-dualrec-event': d.event,
        'x-dualrec-delivery': d.delivery_id,
        'x-dualrec-signature': webhookSignature(secret, Math.floor(at.getTime() / 1000), d.payload_json),
      },
      body: d.payload_json,
    });
    await res.body?.cancel();
    return res.status;
  }

  private async record(d: Claimed, status: number | null, error: string | null): Promise<void> {
    const now = this.now();
    const base = this.db.updateTable('webhook_deliveries').where('delivery_id', '=', d.delivery_id).where('attempts', '=', d.attempts).where('state', '=', 'pending');
    if (error === null) {
      await base.set({ state: 'delivered', delivered_at: now.toISOString(), last_attempt_at: now.toISOString(), last_status: status, last_error: null }).execute();
      return;
    }
    const dead = d.attempts >= this.config.maxAttempts;
    const next = new Date(now.getTime() + backoffDelay(d.attempts - 1, { baseMs: this.config.backoffBaseMs, maxMs: this.config.backoffMaxMs }));
    await base.set({ state: dead ? 'dead' : 'pending', next_attempt_at: next.toISOString(), last_attempt_at: now.toISOString(), last_status: status, last_error: error.slice(0, 500) }).execute();
    this.log.warn({ deliveryId: d.delivery_id, webhookId: d.webhook_id, attempt: d.attempts, status, error, dead }, dead ? 'webhook delivery given up' : 'webhook delivery failed; will retry');
  }

  async close(): Promise<void> {
    await this.task?.close();
  }
}
