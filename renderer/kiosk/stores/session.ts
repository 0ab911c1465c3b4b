import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { BoothState, SessionPhase } from '../../../src/protocol/booth-api.js';
import { createBoothApi, type BoothApi } from '../api.js';

/** What the kiosk shows: `connecting` until the first booth state arrives, `idle` with no session. */
export type KioskStatus = 'connecting' | 'idle' | SessionPhase;

/** A booth request the kiosk is waiting on. */
export type PendingAction = 'start' | 'stop';

/** A new session may start only from these. */
const STARTABLE: ReadonlySet<KioskStatus> = new Set(['idle', 'archived', 'failed']);

export const useSessionStore = defineStore('session', () => {
  const booth = ref<BoothState | null>(null);
  const linkUp = ref(false);
  const pending = ref<PendingAction | null>(null);
  /** The last failed booth call; a failed session reports its own `session.error`. */
  const error = ref<string | null>(null);
  /** The shown error came from loading the state, so fresh state clears it. */
  let errorIsStale = false;
  let api: BoothApi | null = null;
  const unsubscribers: Array<() => void> = [];

  const status = computed<KioskStatus>(() => {
    if (booth.value === null) return 'connecting';
    return booth.value.session?.phase ?? 'idle';
  });
  const session = computed(() => booth.value?.session ?? null);
  const canStart = computed(() => linkUp.value && pending.value === null && STARTABLE.has(status.value));
  const canStop = computed(() => linkUp.value && pending.value === null && status.value === 'recording');

  function showError(err: unknown, stale: boolean): void {
    error.value = err instanceof Error ? err.message : String(err);
    errorIsStale = stale;
  }

  function applyState(state: BoothState): void {
    booth.value = state;
    if (errorIsStale) {
      error.value = null;
      errorIsStale = false;
    }
  }

  async function refresh(): Promise<void> {
    if (api === null) return;
    try {
      applyState(await api.call({ type: 'getState' }));
    } catch (err) {
      showError(err, true);
    }
  }

  /** Subscribes to the booth; the state is (re)loaded whenever the link comes up. Idempotent. */
  function connect(boothApi: BoothApi = createBoothApi()): void {
    if (api !== null) return;
    api = boothApi;
    unsubscribers.push(
      api.onEvent((event) => {
        if (event.type === 'state') applyState(event.state);
      }),
      api.onLink((up) => {
        linkUp.value = up;
        if (up) void refresh();
      }),
      api.onPreview((src) => {
        previewSrc.value = src;
      }),
    );
  }

  function disconnect(): void {
    for (const off of unsubscribers.splice(0)) off();
    api = null;
    linkUp.value = false;
    previewSrc.value = null;
  }

  async function run(action: PendingAction, call: (a: BoothApi) => Promise<unknown>): Promise<void> {
    if (api === null || pending.value !== null) return;
    pending.value = action;
    error.value = null;
    try {
      await call(api);
      await refresh();
    } catch (err) {
      showError(err, false);
    } finally {
      pending.value = null;
    }
  }

  const start = (productId: string): Promise<void> => run('start', (a) => a.call({ type: 'startSession', productId }));
  const stop = (): Promise<void> => run('stop', (a) => a.call({ type: 'stopSession' }));

  function dismissError(): void {
    error.value = null;
    errorIsStale = false;
  }

  /** The largest backlog (bytes) since the booth last had nothing to upload. */
  const backlogPeak = ref(0);
  watch(
    () => booth.value?.sync.pendingBytes ?? 0,
    (pending) => {
      backlogPeak.value = pending === 0 ? 0 : Math.max(backlogPeak.value, pending);
    },
    { immediate: true },
  );
  /** Share of that backlog confirmed by the archive since, while it drains; null with no backlog. */
  const backlogPercent = computed(() => {
    const pending = booth.value?.sync.pendingBytes ?? 0;
    if (pending === 0 || backlogPeak.value === 0) return null;
    return Math.round((100 * (backlogPeak.value - pending)) / backlogPeak.value);
  });
  /** The camera preview while the camera is recording (FFmpeg owns the camera, the booth relays it). */
  const previewSrc = ref<string | null>(null);
  const previewUrl = computed(() => (status.value === 'recording' ? previewSrc.value : null));
  const faults = computed(() => booth.value?.faults ?? []);
  return { booth, session, status, error, linkUp, pending, canStart, canStop, previewUrl, faults, backlogPercent, connect, disconnect, start, stop, dismissError };
});
