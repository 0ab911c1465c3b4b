import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { FlowAction, FlowStep, KioskLanguage, KioskMode } from '../../../src/protocol/kiosk-flow.js';
import { i18n } from '../i18n/index.js';
import { useSessionStore } from './session.js';

/** A refused or failed action, shown in a banner until dismissed or the next action. */
export interface ActionError {
  code: string;
  message: string;
}

/** Steps the kiosk's idle timer may end (mirrors src/core/kiosk-flow.ts IDLE_STEPS). */
const IDLE_STEPS: ReadonlySet<FlowStep> = new Set(['identify', 'product', 'mode', 'sync']);
const RECORDING: ReadonlySet<FlowStep> = new Set(['starting', 'faceCheck', 'disclosure', 'confirmation', 'summary', 'stopping']);

/**
 * The guided session as the kiosk drives it: the booth's flow view, one action at a time, and the
 * kiosk-only state (language, staff overlay, a mode waiting for a staff PIN).
 */
export const useKioskStore = defineStore('kiosk', () => {
  const link = useSessionStore();
  const view = computed(() => link.kiosk);
  const flow = computed(() => view.value?.flow ?? null);
  const step = computed<FlowStep>(() => flow.value?.step ?? 'attract');
  const pending = ref<FlowAction['type'] | null>(null);
  const error = ref<ActionError | null>(null);
  const staffOpen = ref(false);
  /** On-site mode chosen while the staff controls were locked: chosen once staff unlock. */
  const modeAfterUnlock = ref<KioskMode | null>(null);
  const language = computed<KioskLanguage>(() => i18n.global.locale.value);
  const recording = computed(() => RECORDING.has(step.value));
  const idleAllowed = computed(() => IDLE_STEPS.has(step.value));

  // The flow's language wins (a staff member on another kiosk page, a reload mid-flow).
  watch(
    () => flow.value?.language,
    (lang) => {
      if (lang !== undefined) i18n.global.locale.value = lang;
    },
  );

  let queue: Promise<unknown> = Promise.resolve();

  /**
   * Sends one action after those already sent (the booth must see the player's events in order);
   * resolves true when the booth accepted it. Refusals become `error`.
   */
  function act(action: FlowAction): Promise<boolean> {
    const run = queue.then(async () => {
      pending.value = action.type;
      error.value = null;
      try {
        await link.flow(action);
        return true;
      } catch (err) {
        const e = err as { code?: string; message?: string };
        error.value = { code: e.code ?? 'error', message: e.message ?? String(err) };
        return false;
      } finally {
        pending.value = null;
      }
    });
    queue = run;
    return run;
  }

  async function setLanguage(lang: KioskLanguage): Promise<void> {
    i18n.global.locale.value = lang;
    if (flow.value !== null) await act({ type: 'language', language: lang });
  }

  async function chooseMode(mode: KioskMode): Promise<void> {
    if (mode === 'onsite' && !view.value?.staff.unlocked) {
      modeAfterUnlock.value = 'onsite';
      staffOpen.value = true;
      return;
    }
    await act({ type: 'chooseMode', mode });
  }

  async function unlock(pin: string): Promise<boolean> {
    const ok = await act({ type: 'staffUnlock', pin });
    if (ok && modeAfterUnlock.value !== null && step.value === 'mode') {
      const mode = modeAfterUnlock.value;
      modeAfterUnlock.value = null;
      await act({ type: 'chooseMode', mode });
      await closeStaff();
    }
    return ok;
  }

  /** Closes the overlay and locks the staff controls again. */
  async function closeStaff(): Promise<void> {
    staffOpen.value = false;
    modeAfterUnlock.value = null;
    if (error.value?.code.startsWith('staff.')) error.value = null; // a wrong PIN is the staff's business
    if (view.value?.staff.unlocked) await act({ type: 'staffLock' });
  }

  function dismissError(): void {
    error.value = null;
  }

  return { view, flow, step, pending, error, staffOpen, language, recording, idleAllowed, act, setLanguage, chooseMode, unlock, closeStaff, dismissError };
});
