import type { FlowInput, FlowState, KioskView } from '../../protocol/kiosk-flow.js';
import type { Logger } from '../../platform/log.js';
import { engineResult } from './flow-inputs.js';
import type { CheckEngines } from './seams.js';

type Submit = (input: FlowInput, stillValid: (s: FlowState | null) => boolean) => Promise<unknown>;

/** Which check (and attempt) a flow state waits for, or null. */
function waitingFor(s: FlowState | null): string | null {
  if (s?.step === 'faceCheck') return `face:${s.face.attempts}`;
  if (s?.step === 'confirmation') return `speech:${s.confirmation.attempts}`;
  return null;
}

/**
 * Asks the attached engines for each face check and confirmation attempt the flow waits for, and
 * submits their results as timeline events (validated: an engine result says `source: 'engine'`).
 * When the flow moves on (staff decided, abort), the engine's request is aborted and a late answer
 * is dropped. Without an engine nothing is asked: staff decide by hand.
 */
export class FlowChecks {
  engines: CheckEngines = {};
  private current: AbortController | null = null;

  constructor(
    private readonly windowSec: number,
    private readonly log: Logger,
    private readonly submit: Submit,
  ) {}

  sources(): KioskView['checks'] {
    return { face: this.engines.face ? 'engine' : 'staff', speech: this.engines.speech ? 'engine' : 'staff' };
  }

  /** Called after every transition. */
  follow(prev: FlowState | null, next: FlowState): void {
    if (waitingFor(prev) === waitingFor(next)) return;
    this.cancel();
    if (next.sessionId === null || next.customer === null || next.product === null) return;
    const ac = new AbortController();
    const { signal } = ac;
    if (next.step === 'faceCheck' && this.engines.face) {
      this.current = ac;
      const attempt = next.face.attempts + 1;
      const engine = this.engines.face;
      this.settle(engine.name, signal, engine.verify({ sessionId: next.sessionId, customer: next.customer, phrases: next.product.phrases, attempt }, signal), (raw) => ({
        input: { type: 'faceChecked', attempt, result: engineResult('face', raw) },
        still: (s) => s?.step === 'faceCheck' && s.face.attempts === attempt - 1,
      }));
    } else if (next.step === 'confirmation' && this.engines.speech) {
      this.current = ac;
      const attempt = next.confirmation.attempts + 1;
      const engine = this.engines.speech;
      const req = { sessionId: next.sessionId, phrases: next.product.phrases, attempt, windowSec: this.windowSec };
      this.settle(engine.name, signal, engine.listen(req, signal), (raw) => ({
        input: { type: 'speechChecked', attempt, result: engineResult('speech', raw) },
        still: (s) => s?.step === 'confirmation' && s.confirmation.attempts === attempt - 1,
      }));
    }
  }

  cancel(): void {
    this.current?.abort();
    this.current = null;
  }

  private settle(name: string, signal: AbortSignal, answer: Promise<unknown>, toInput: (raw: unknown) => { input: FlowInput; still: (s: FlowState | null) => boolean }): void {
    answer
      .then((raw) => {
        if (signal.aborted) return;
        const { input, still } = toInput(raw);
        return this.submit(input, (s) => !signal.aborted && still(s));
      })
      .catch((err: unknown) => {
        // The flow stays where it is: staff can decide by hand.
        if (!signal.aborted) this.log.error({ err, engine: name }, 'the check engine failed; staff can decide the check by hand');
      });
  }
}
