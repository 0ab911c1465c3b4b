import type { Kysely } from 'kysely';
import type { Logger } from '../../../platform/log.js';
import { PeriodicTask } from '../../../platform/periodic.js';
import type { DbAuditLog } from '../../audit/db-audit-log.js';
import { SigningKeys } from '../../auth/signing-keys.js';
import type { ServerDb } from '../../db/schema.js';
import type { KeyProvider } from '../../keys/key-provider.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { MachineReviewListener } from '../ports.js';
import { Assigner } from './assignment.js';
import { Decisions } from './decisions.js';
import { MediaLinks } from './media-links.js';
import type { ReviewConfig } from './review-config.js';
import { ReviewItems } from './review-items.js';
import { ReviewReader, type ReviewPorts } from './review-reader.js';
import { Supervision } from './supervision.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { Webhooks } from './webhooks.js';
import type { WorkflowDeps } from './workflow-deps.js';

export interface ReviewWorkflowOptions {
  db: Kysely<ServerDb>;
  store: BlobStore;
  keys: KeyProvider;
  audit: DbAuditLog;
  config: ReviewConfig;
  ports: ReviewPorts;
  log: Logger;
  now?: () => Date;
}

export interface SweepResult {
  created: number;
  reassigned: number;
  assigned: number;
  overdue: number;
}

/**
 * The review workflow of one server instance (issue 8). `listener` is what the machine review
 * calls when a session's report is done; `start()` runs the sweep (missing items, reassignment,
 * assignment, overdue) every `sweepMs` and the webhook delivery every `webhooks.pollMs`; `close()`
 * stops both and waits for a pass in progress (after it, newly queued items are not assigned:
 * close the machine review's worker first). Everything it holds is in the database, so any
 * number of instances run it side by side.
 */
export class ReviewWorkflow {
  readonly items: ReviewItems;
  readonly assigner: Assigner;
  readonly decisions: Decisions;
  readonly supervision: Supervision;
  readonly reader: ReviewReader;
  readonly media: MediaLinks;
  readonly webhooks: Webhooks;
  readonly delivery: WebhookDelivery;
  private sweepTask: PeriodicTask<SweepResult> | null = null;
  private closed = false;
  /** Assignments started because items were queued, one after another. */
  private kicks: Promise<unknown> = Promise.resolve();

  private constructor(o: ReviewWorkflowOptions, mediaKeys: SigningKeys) {
    const log = o.log;
    this.webhooks = new Webhooks(o.db, o.audit, o.keys);
    this.delivery = new WebhookDelivery(o.db, o.keys, o.config.webhooks, log.child({ part: 'webhooks' }), o.now);
    const deps: WorkflowDeps = { db: o.db, audit: o.audit, webhooks: this.webhooks, config: o.config, log, now: o.now ?? (() => new Date()), onOutbox: () => this.delivery.kick() };
    this.assigner = new Assigner(deps);
    const assignSoon = () => {
      if (this.closed) return; // a report or decision after close(): the next start's sweep assigns
      this.kicks = this.kicks.then(
        () => this.assigner.assignQueued(),
        () => undefined,
      ).catch((err: unknown) => log.error({ err }, 'assigning queued review items failed; the sweep tries again'));
    };
    this.items = new ReviewItems(deps, assignSoon);
    this.decisions = new Decisions(deps, assignSoon);
    this.supervision = new Supervision(deps, this.assigner);
    this.reader = new ReviewReader(deps, this.items, o.ports, o.store);
    this.media = new MediaLinks(deps, mediaKeys, this.reader, o.store);
    this.sweepEvery = o.config.sweepMs;
    this.log = log;
  }

  private readonly sweepEvery: number;
  private readonly log: Logger;

  static async create(o: ReviewWorkflowOptions): Promise<ReviewWorkflow> {
    return new ReviewWorkflow(o, await SigningKeys.open(o.db, 'media_link_keys'));
  }

  /** What the machine review tells when a session's report is done. */
  get listener(): MachineReviewListener {
    return this.items;
  }

  /** One sweep: items for newly archived sessions, offline reviewers' items back to the queue, queued items assigned, overdue items flagged. */
  async sweep(): Promise<SweepResult> {
    const created = await this.items.ensureMissing();
    const reassigned = await this.assigner.reassignOffline();
    const assigned = await this.assigner.assignQueued();
    const overdue = await this.items.flagOverdue();
    const r = { created, reassigned, assigned, overdue };
    if (created + reassigned + assigned + overdue > 0) this.log.info(r, 'review sweep');
    return r;
  }

  /** Waits for the assignments started by queued items and decisions (tests; close() waits too). */
  async settled(): Promise<void> {
    await this.kicks;
  }

  start(): void {
    this.sweepTask ??= new PeriodicTask(() => this.sweep(), this.sweepEvery, (err) => this.log.error({ err }, 'review sweep failed'));
    this.sweepTask.start();
    this.delivery.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sweepTask?.close();
    await this.settled();
    await this.delivery.close();
  }
}
