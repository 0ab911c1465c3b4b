import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { ConflictError, UnauthorizedError } from '../../core/errors.js';
import { advanceFlow, CANCELLABLE_STEPS, flowActive, RECORDING_STEPS, startFlow, type FlowRules } from '../../core/kiosk-flow.js';
import type { BoothSessionView } from '../../protocol/booth-api.js';
import type { Fault } from '../../protocol/faults.js';
import { FlowInput, TimelineEvent, type FlowAction, type FlowState, type KioskView, type ProductOffer } from '../../protocol/kiosk-flow.js';
import type { Logger } from '../../platform/log.js';
import type { BoothDb } from '../db/schema.js';
import { applyAction, type ActionContext, type InputAt } from './flow-actions.js';
import { FlowChecks } from './flow-checks.js';
import { FlowStore } from './flow-store.js';
import type { KioskConfig, StaffConfig } from './kiosk-config.js';
import type { CheckEngines, CustomerLookup, ProductSource } from './seams.js';
import { StaffGate } from './staff-gate.js';

/** What the flow needs of the booth's SessionService. */
export interface FlowSessions {
  start(productId: string): Promise<{ sessionId: string }>;
  stop(reason: 'completed' | 'aborted', why: string | null): Promise<{ sessionId: string }>;
  view(): Promise<BoothSessionView | null>;
  on(event: 'change', cb: () => void): unknown;
}

export interface KioskFlowDeps {
  db: Kysely<BoothDb>;
  config: KioskConfig;
  sessions: FlowSessions;
  faults: { on(event: 'raised', cb: (f: Fault) => void): unknown };
  customers: CustomerLookup;
  products: ProductSource;
  log: Logger;
}

/**
 * The booth side of the kiosk's guided session: takes the kiosk's actions, turns each into a
 * timeline event, runs it through the flow machine (src/core/kiosk-flow.ts), stores event and
 * state together, and does what the new step needs: start or stop the recording, ask the check
 * engines, look up customers and products. One action at a time (a queue), so events are in order.
 * The timeline of the flow that recorded a session goes into its signed manifest
 * (`SessionService.setTimelineSource(flow.timelineFor)`).
 */
export class KioskFlowService extends EventEmitter<{ change: [] }> {
  readonly rules: FlowRules;
  readonly gate: StaffGate;
  private readonly store: FlowStore;
  private readonly checks: FlowChecks;
  private state: FlowState | null = null;
  private nextSeq = 0;
  private offerList: ProductOffer[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** The flow asked the recording to stop (so its end is not an interruption). */
  private stopRequested = false;
  private watching = false;
  private closed = false;

  constructor(private readonly deps: KioskFlowDeps) {
    super();
    const k = deps.config;
    this.rules = { maxFaceAttempts: k.maxFaceAttempts, maxConfirmationAttempts: k.maxConfirmationAttempts, minWatchedRatio: k.minWatchedRatio };
    this.gate = new StaffGate(k.staff, { unlockMs: k.staffUnlockSec * 1000, maxFailures: k.maxPinFailures, lockoutMs: k.pinLockoutSec * 1000 });
    this.store = new FlowStore(deps.db);
    this.checks = new FlowChecks(k.confirmationWindowSec, deps.log, (input, still) => this.serial(() => (still(this.state) ? this.record(input) : Promise.resolve(this.state))));
    deps.sessions.on('change', () => this.watchSession());
    deps.faults.on('raised', (f) => {
      if (flowActive(this.state)) this.serial(() => this.record({ type: 'faultRaised', kind: f.kind, severity: f.severity, message: f.message })).catch((err: unknown) => deps.log.error({ err }, 'cannot record a fault in the flow'));
    });
  }

  /** Attaches the check engines (issue 7); until then staff decide the checks by hand. */
  attachEngines(engines: CheckEngines): void {
    this.checks.engines = engines;
    this.emit('change');
  }

  /**
   * Ends flows a crash left open, before the booth signs off their interrupted sessions (so the
   * manifests record it): an interrupted recording, or a cancelled flow if none had started.
   */
  async recover(): Promise<number> {
    const open = await this.store.open();
    for (const { state, lastSeq } of open) {
      this.state = state;
      this.nextSeq = lastSeq + 1;
      if (CANCELLABLE_STEPS.has(state.step)) {
        await this.record({ type: 'flowCancelled', step: state.step, by: 'system', staffId: null, reason: 'the booth restarted' });
        continue;
      }
      if (state.step !== 'sync') await this.record({ type: 'recordingInterrupted', reason: 'the booth stopped during this session' });
      await this.record({ type: 'flowEnded', by: 'system' });
    }
    this.state = null;
    return open.length;
  }

  view(): KioskView {
    const staff = this.gate.current();
    const lockedOut = this.gate.lockedOutUntil();
    const s = this.state;
    return {
      flow: s === null || s.step === 'attract' ? null : s,
      offers: s?.step === 'product' ? this.offerList : [],
      staff: { configured: this.gate.configured, unlocked: staff !== null, staffId: staff?.staffId ?? null, name: staff?.name ?? null, lockedOutUntil: lockedOut === null ? null : new Date(lockedOut).toISOString() },
      checks: this.checks.sources(),
      rules: { maxFaceAttempts: this.rules.maxFaceAttempts, maxConfirmationAttempts: this.rules.maxConfirmationAttempts, idleResetSec: this.deps.config.idleResetSec, confirmationWindowSec: this.deps.config.confirmationWindowSec },
    };
  }

  /** Handles one kiosk action (validated by the caller against `FlowAction`) and answers the new view. */
  async act(action: FlowAction): Promise<KioskView> {
    await this.serial(() => applyAction(this.actionContext(), action));
    return this.view();
  }

  /** True while a flow owns the recording (bare start/stop requests are refused then). */
  ownsRecording(): boolean {
    const s = this.state;
    return s !== null && (s.step === 'starting' || s.step === 'stopping' || RECORDING_STEPS.has(s.step));
  }

  timelineFor(sessionId: string): Promise<TimelineEvent[]> {
    return this.store.timelineOfSession(sessionId);
  }

  disclosureFile(productId: string): Promise<string> {
    return this.deps.products.disclosureFile(productId);
  }

  /**
   * Stops asking the engines and, when a flow is recording, records that the booth is shutting down
   * (before the session service signs the session off, so the manifest says so). Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.checks.cancel();
    await this.serial(async () => {
      const s = this.state;
      if (s !== null && (s.step === 'starting' || RECORDING_STEPS.has(s.step))) await this.record({ type: 'recordingInterrupted', reason: 'the booth was shut down during this session' });
    }).catch((err: unknown) => this.deps.log.error({ err }, 'cannot record the shutdown in the flow'));
    this.closed = true;
  }

  private actionContext(): ActionContext {
    return {
      state: this.state,
      gate: this.gate,
      customers: this.deps.customers,
      products: this.deps.products,
      offers: () => this.offerList,
      setOffers: (o: ProductOffer[]) => {
        this.offerList = o;
      },
      staff: (): StaffConfig => {
        const s = this.gate.current();
        if (s === null) throw new UnauthorizedError('staff.locked', 'the staff controls are locked: enter a staff PIN first');
        this.gate.touch();
        return s;
      },
      record: (input: InputAt) => this.record(input),
      newFlow: () => {
        if (flowActive(this.state)) throw new ConflictError('flow.already_running', `a flow is already running (at ${this.state.step})`);
        this.state = null;
      },
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Records one event: validates it, advances the machine (which may refuse), stores both, then runs the new step's effects. */
  private async record(inputAt: InputAt): Promise<FlowState> {
    const nowMs = Date.now();
    const at = new Date(nowMs).toISOString();
    const prev = flowActive(this.state) ? this.state : null;
    const input = typeof inputAt === 'function' ? (prev === null ? null : inputAt(prev, nowMs)) : inputAt;
    if (input === null) throw new ConflictError('flow.none', 'no flow is running');
    const seq = prev === null ? 0 : this.nextSeq;
    const startedAt = input.type === 'recordingStarted' ? input.sessionStartedAt : prev?.recordingStartedAt;
    const sessionSec = startedAt == null ? null : Math.max(0, Math.round(nowMs - Date.parse(startedAt)) / 1000);
    const ev = TimelineEvent.parse({ seq, at, sessionSec, event: FlowInput.parse(input) });
    const next = prev === null ? startFlow(randomUUID(), ev) : advanceFlow(prev, ev, this.rules);
    await this.store.append(next, ev);
    this.state = next;
    this.nextSeq = seq + 1;
    this.effects(prev, next);
    this.emit('change');
    return next;
  }

  private effects(prev: FlowState | null, next: FlowState): void {
    if (this.closed) return;
    const entered = (step: FlowState['step']) => next.step === step && prev?.step !== step;
    this.checks.follow(prev, next);
    if (prev === null) this.deps.products.prepare?.();
    if (entered('starting')) void this.startRecording(next);
    if (entered('stopping')) void this.stopRecording(next);
    if (next.step === 'attract') {
      this.offerList = [];
      this.stopRequested = false;
    }
  }

  private async startRecording(flow: FlowState): Promise<void> {
    let input: FlowInput;
    try {
      const { sessionId } = await this.deps.sessions.start(flow.product!.productId);
      const v = await this.deps.sessions.view();
      input = { type: 'recordingStarted', sessionId, sessionStartedAt: v?.sessionId === sessionId ? v.startedAt : new Date().toISOString() };
    } catch (err) {
      this.deps.log.warn({ err, flowId: flow.flowId }, 'the recording could not start');
      input = { type: 'recordingFailed', message: (err as Error).message };
    }
    await this.serial(() => this.record(input)).catch((err: unknown) => this.deps.log.error({ err }, 'cannot record the recording start'));
  }

  private async stopRecording(flow: FlowState): Promise<void> {
    this.stopRequested = true;
    let input: FlowInput = { type: 'recordingStopped', sessionId: flow.sessionId! };
    try {
      await this.deps.sessions.stop(flow.outcome === 'completed' ? 'completed' : 'aborted', flow.endReason?.reason ?? null);
    } catch (err) {
      this.deps.log.error({ err, flowId: flow.flowId }, 'stopping the recording failed');
      input = { type: 'recordingInterrupted', reason: `stopping the recording failed: ${(err as Error).message}` };
    }
    await this.serial(() => (this.state?.step === 'stopping' ? this.record(input) : Promise.resolve(this.state))).catch((err: unknown) =>
      this.deps.log.error({ err }, 'cannot record the recording stop'),
    );
  }

  /** A recording that ends without the flow asking (emergency stop) moves the flow to its sync screen. */
  private watchSession(): void {
    const s = this.state;
    if (this.watching || this.stopRequested || s === null || s.sessionId === null || !RECORDING_STEPS.has(s.step)) return;
    this.watching = true;
    this.deps.sessions
      .view()
      .then((v) => {
        if (v === null || v.sessionId !== s.sessionId || !['syncing', 'archived', 'failed'].includes(v.phase)) return;
        return this.serial(() => {
          const now = this.state;
          if (this.stopRequested || now?.sessionId !== v.sessionId || !RECORDING_STEPS.has(now.step)) return Promise.resolve(now);
          return this.record({ type: 'recordingInterrupted', reason: v.error ?? 'the recording stopped unexpectedly' });
        });
      })
      .catch((err: unknown) => this.deps.log.error({ err }, 'cannot follow the recording'))
      .finally(() => {
        this.watching = false;
      });
  }
}
