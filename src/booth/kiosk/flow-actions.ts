import { ConflictError, DependencyError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../core/errors.js';
import { CANCELLABLE_STEPS, flowActive, watchedMs } from '../../core/kiosk-flow.js';
import { idNumberChecks, maskIdentifier } from '../../core/kiosk-flow-ids.js';
import type { FlowAction, FlowInput, FlowState, ProductOffer } from '../../protocol/kiosk-flow.js';
import { signatureEvent, staffFaceResult, staffSpeechResult } from './flow-inputs.js';
import type { StaffConfig } from './kiosk-config.js';
import type { CustomerLookup, ProductSource } from './seams.js';
import type { StaffGate } from './staff-gate.js';

/** An event, or one built from the state and time at which it is recorded. */
export type InputAt = FlowInput | ((state: FlowState, nowMs: number) => FlowInput);

export interface ActionContext {
  state: FlowState | null;
  gate: StaffGate;
  customers: CustomerLookup;
  products: ProductSource;
  offers(): ProductOffer[];
  setOffers(offers: ProductOffer[]): void;
  /** The unlocked staff member (keeps the unlock alive); UnauthorizedError when locked. */
  staff(): StaffConfig;
  record(input: InputAt): Promise<FlowState>;
  /** Clears an ended flow before a new one starts; ConflictError while one runs. */
  newFlow(): void;
}

function running(ctx: ActionContext, a: FlowAction): FlowState {
  if (!flowActive(ctx.state)) throw new ConflictError('flow.none', `${a.type}: no flow is running; start one first`);
  return ctx.state;
}

/**
 * Turns one kiosk action into the timeline event(s) it stands for. Lookups happen here (customer,
 * products); whether the event is allowed at this step is the flow machine's call.
 */
export async function applyAction(ctx: ActionContext, a: FlowAction): Promise<void> {
  switch (a.type) {
    case 'start': {
      ctx.newFlow();
      const staffId = a.by === 'staff' ? ctx.staff().staffId : null;
      await ctx.record({ type: 'flowStarted', by: a.by, staffId, language: a.language });
      return;
    }
    case 'identify':
      return identify(ctx, running(ctx, a), a.query);
    case 'chooseProduct': {
      running(ctx, a);
      const product = ctx.offers().find((o) => o.productId === a.productId);
      if (product === undefined) throw new NotFoundError('product.not_offered', `product ${a.productId} is not offered to this customer`);
      await ctx.record({ type: 'productChosen', product });
      return;
    }
    case 'chooseMode':
      running(ctx, a);
      await ctx.record({ type: 'modeChosen', mode: a.mode, staffId: a.mode === 'onsite' ? ctx.staff().staffId : null });
      return;
    case 'disclosure': {
      const round = running(ctx, a).disclosure.round;
      const positionSec = a.positionSec;
      if (a.event === 'started') await ctx.record({ type: 'disclosureStarted', round });
      else if (a.event === 'paused') await ctx.record({ type: 'disclosurePaused', round, positionSec });
      else if (a.event === 'resumed') await ctx.record({ type: 'disclosureResumed', round, positionSec });
      else await ctx.record((s, now) => ({ type: 'disclosureEnded', round, positionSec, watchedSec: watchedMs(s, now) / 1000 }));
      return;
    }
    case 'signature':
      running(ctx, a);
      await ctx.record(signatureEvent(a.pngBase64));
      return;
    case 'confirmSummary':
      running(ctx, a);
      await ctx.record({ type: 'summaryConfirmed' });
      return;
    case 'cancel':
      await ctx.record({ type: 'flowCancelled', step: running(ctx, a).step, by: 'customer', staffId: null, reason: null });
      return;
    case 'finish':
      running(ctx, a);
      await ctx.record({ type: 'flowEnded', by: 'customer' });
      return;
    case 'idle': {
      const f = running(ctx, a);
      if (CANCELLABLE_STEPS.has(f.step)) await ctx.record({ type: 'flowCancelled', step: f.step, by: 'idle', staffId: null, reason: null });
      else if (f.step === 'sync') await ctx.record({ type: 'flowEnded', by: 'idle' });
      else throw new ConflictError('flow.busy', `the idle timer does not end a flow at ${f.step}`);
      return;
    }
    case 'language':
      if (flowActive(ctx.state)) await ctx.record({ type: 'languageChanged', language: a.language });
      return;
    default:
      return staffAction(ctx, a);
  }
}

async function identify(ctx: ActionContext, flow: FlowState, query: Extract<FlowAction, { type: 'identify' }>['query']): Promise<void> {
  if (flow.step !== 'identify') throw new ConflictError('flow.bad_transition', `identify is not allowed: the flow is at ${flow.step}`);
  const failed = (reason: 'notFound' | 'unavailable' | 'invalid') => ctx.record({ type: 'customerLookupFailed', method: query.method, maskedIdentifier: maskIdentifier(query), reason });
  if (query.method === 'idNumber' && !idNumberChecks(query.value)) {
    await failed('invalid');
    return;
  }
  let customer;
  try {
    customer = await ctx.customers.find(query);
  } catch (err) {
    if (!(err instanceof DependencyError)) throw err;
    await failed('unavailable');
    return;
  }
  if (customer === null) {
    await failed('notFound');
    return;
  }
  ctx.setOffers(await ctx.products.offers(customer));
  await ctx.record({ type: 'customerIdentified', method: query.method, customer });
}

type StaffAction = Extract<FlowAction, { type: 'staffUnlock' | 'staffLock' | 'staffAbort' | 'staffSwitchMode' | 'staffDecision' }>;

async function staffAction(ctx: ActionContext, a: StaffAction): Promise<void> {
  const active = flowActive(ctx.state);
  switch (a.type) {
    case 'staffUnlock': {
      const r = await ctx.gate.unlock(a.pin);
      if (r.ok) {
        if (active) await ctx.record({ type: 'staffUnlocked', staffId: r.staff.staffId });
        return;
      }
      if (active) await ctx.record({ type: 'staffPinRejected', failures: r.failures });
      if (r.lockedOutUntil !== null) throw new ForbiddenError('staff.locked_out', `too many wrong PINs; PIN entry is locked until ${new Date(r.lockedOutUntil).toLocaleTimeString()}`);
      throw new UnauthorizedError('staff.pin_rejected', 'that staff PIN is not right');
    }
    case 'staffLock': {
      const was = ctx.gate.lock();
      if (was !== null && active) await ctx.record({ type: 'staffLocked', staffId: was.staffId });
      return;
    }
    case 'staffAbort': {
      const staff = ctx.staff();
      const f = running(ctx, a);
      if (CANCELLABLE_STEPS.has(f.step)) await ctx.record({ type: 'flowCancelled', step: f.step, by: 'staff', staffId: staff.staffId, reason: a.reason });
      else await ctx.record({ type: 'staffAborted', staffId: staff.staffId, reason: a.reason });
      return;
    }
    case 'staffSwitchMode': {
      const staff = ctx.staff();
      const f = running(ctx, a);
      if (f.mode === null) throw new ConflictError('flow.bad_mode', 'no mode has been chosen yet');
      await ctx.record({ type: 'modeSwitched', from: f.mode, to: a.mode, staffId: staff.staffId });
      return;
    }
    case 'staffDecision': {
      const staff = ctx.staff();
      const f = running(ctx, a);
      if (a.check === 'face') await ctx.record({ type: 'faceChecked', attempt: f.face.attempts + 1, result: staffFaceResult(staff, a.passed, a.note) });
      else await ctx.record({ type: 'speechChecked', attempt: f.confirmation.attempts + 1, result: staffSpeechResult(staff, a.passed, f.product?.phrases.map((p) => p.id) ?? [], a.note) });
      return;
    }
  }
}
