import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../../core/errors.js';
import { wrapDataKey } from '../../../core/keys.js';
import { parseStoredJson } from '../../../core/validate.js';
import { WebhookEvent, type ReviewItemView, type WebhookPayload } from '../../../protocol/review.js';
import type { CreatedWebhook, CreateWebhookRequest, WebhookView } from '../../../protocol/review-api.js';
import { BranchId } from '../../../protocol/staff.js';
import type { DbAuditLog } from '../../audit/db-audit-log.js';
import type { AdminActor } from '../../auth/admin-actor.js';
import { scopeCovers } from '../../auth/staff-guard.js';
import type { ServerDb } from '../../db/schema.js';
import type { KeyProvider } from '../../keys/key-provider.js';

const Events = z.array(WebhookEvent);
const Branches = z.array(BranchId);
type HookRow = ServerDb['webhooks'];

/** What an event says about its session (the payload's `session`). */
export type WebhookSession = Pick<ReviewItemView, 'sessionId' | 'branchId' | 'productId' | 'status' | 'machineVerdict'>;

/**
 * Webhooks (admin): the signing secret is 32 random bytes shown once as base64url and stored only
 * wrapped with the archive public key (RSA-OAEP-256, like a session key), so a copy of the database
 * alone does not let anyone forge deliveries; the delivery worker unwraps it with the archive key.
 * Events are written to the outbox (`webhook_deliveries`) in the transaction that causes them.
 */
export class Webhooks {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly audit: DbAuditLog,
    private readonly keys: KeyProvider,
  ) {}

  /** Queues `event` for every live webhook that wants it and covers the session's branch, inside `tx`. Returns how many. */
  async emit(tx: Transaction<ServerDb>, event: WebhookEvent, session: WebhookSession, detail: string, now: Date): Promise<number> {
    const hooks = await tx.selectFrom('webhooks').selectAll().where('deleted_at', 'is', null).execute();
    let n = 0;
    for (const h of hooks) {
      if (!this.events(h).includes(event)) continue;
      const branches = this.branches(h);
      if (branches !== null && (session.branchId === null || !branches.includes(session.branchId))) continue;
      const deliveryId = randomUUID();
      const payload: WebhookPayload = {
        deliveryId,
        event,
        at: now.toISOString(),
        session: { sessionId: session.sessionId, branchId: session.branchId, productId: session.productId, status: session.status, machineVerdict: session.machineVerdict },
        detail: detail.slice(0, 2000),
      };
      await tx
        .insertInto('webhook_deliveries')
        .values({ delivery_id: deliveryId, webhook_id: h.webhook_id, event, session_id: session.sessionId, payload_json: JSON.stringify(payload), state: 'pending', attempts: 0, next_attempt_at: now.toISOString(), last_attempt_at: null, last_status: null, last_error: null, created_at: now.toISOString(), delivered_at: null })
        .execute();
      n++;
    }
    return n;
  }

  async list(actor: AdminActor): Promise<WebhookView[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().where('deleted_at', 'is', null).orderBy('created_at').orderBy('webhook_id').execute();
    const visible = rows.filter((h) => this.inScope(actor, h));
    return Promise.all(visible.map((h) => this.view(h)));
  }

  async create(actor: AdminActor, req: CreateWebhookRequest): Promise<CreatedWebhook> {
    const branches = req.branches ? [...new Set(req.branches)].sort() : actor.scope === '*' ? null : [...actor.scope].sort();
    if (branches !== null && actor.scope !== '*') {
      const outside = branches.filter((b) => !scopeCovers(actor.scope, b));
      if (outside.length > 0) throw new ForbiddenError('auth.branch', `${actor.name} may not watch branches outside their scope: ${outside.join(', ')}`);
    }
    const secret = randomBytes(32);
    const webhookId = randomUUID();
    const now = new Date().toISOString();
    const row: HookRow = {
      webhook_id: webhookId,
      url: req.url,
      events_json: JSON.stringify([...new Set(req.events)]),
      branches_json: branches === null ? null : JSON.stringify(branches),
      secret_wrap_json: JSON.stringify(wrapDataKey(secret, this.keys.publicKeyDer)),
      created_at: now,
      created_by: actor.createdBy,
      deleted_at: null,
    };
    await this.audit.transact(async (tx, audit) => {
      await tx.insertInto('webhooks').values(row).execute();
      await audit({ actor: actor.audit, action: 'webhook.create', target: `webhook:${webhookId}`, branchId: null, details: { url: req.url, events: this.events(row), branches } });
    });
    return { ...(await this.view(row)), secret: secret.toString('base64url') };
  }

  async delete(actor: AdminActor, webhookId: string): Promise<void> {
    await this.audit.transact(async (tx, audit) => {
      const h = await tx.selectFrom('webhooks').selectAll().where('webhook_id', '=', webhookId).where('deleted_at', 'is', null).executeTakeFirst();
      if (!h || !this.inScope(actor, h)) throw new NotFoundError('webhook.unknown', `no webhook ${webhookId}`);
      const now = new Date().toISOString();
      await tx.updateTable('webhooks').set({ deleted_at: now }).where('webhook_id', '=', webhookId).execute();
      await tx.updateTable('webhook_deliveries').set({ state: 'dead', last_error: 'webhook deleted' }).where('webhook_id', '=', webhookId).where('state', '=', 'pending').execute();
      await audit({ actor: actor.audit, action: 'webhook.delete', target: `webhook:${webhookId}`, branchId: null, details: { url: h.url } });
    });
  }

  /** An admin sees the webhooks whose branches are all in their scope (a head-office admin sees all). */
  private inScope(actor: AdminActor, h: HookRow): boolean {
    if (actor.scope === '*') return true;
    const b = this.branches(h);
    return b !== null && b.every((x) => scopeCovers(actor.scope, x));
  }

  private events(h: Pick<HookRow, 'webhook_id' | 'events_json'>) {
    return parseStoredJson(Events, h.events_json, `events of webhook ${h.webhook_id}`, 'webhook.bad_row');
  }

  private branches(h: Pick<HookRow, 'webhook_id' | 'branches_json'>) {
    return h.branches_json === null ? null : parseStoredJson(Branches, h.branches_json, `branches of webhook ${h.webhook_id}`, 'webhook.bad_row');
  }

  private async view(h: HookRow): Promise<WebhookView> {
    const last = await this.db
      .selectFrom('webhook_deliveries')
      .select(['last_attempt_at', 'last_status', 'last_error', 'state'])
      .where('webhook_id', '=', h.webhook_id)
      .where('last_attempt_at', 'is not', null)
      .orderBy('last_attempt_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const pending = await this.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('webhook_id', '=', h.webhook_id).where('state', '=', 'pending').executeTakeFirstOrThrow();
    return {
      webhookId: h.webhook_id,
      url: h.url,
      events: this.events(h),
      branches: this.branches(h),
      createdAt: h.created_at,
      lastDelivery: last?.last_attempt_at ? { at: last.last_attempt_at, ok: last.state === 'delivered', status: last.last_status, error: last.last_error } : null,
      pending: Number(pending.n),
    };
  }
}
