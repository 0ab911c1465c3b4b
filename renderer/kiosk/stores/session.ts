import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { BoothRequest, BoothState } from '../../../src/protocol/booth-api.js';
import type { FlowAction, KioskView } from '../../../src/protocol/kiosk-flow.js';
import { createBoothApi, type BoothApi } from '../api.js';

/**
 * The link to the booth: its latest state (pushed as events, reloaded whenever the link comes up),
 * the camera preview, faults and the upload backlog. The kiosk flow's store builds on this.
 */
export const useSessionStore = defineStore('session', () => {
  const booth = ref<BoothState | null>(null);
  const linkUp = ref(false);
  let api: BoothApi | null = null;
  const unsubscribers: Array<() => void> = [];

  async function refresh(): Promise<void> {
    if (api === null) return;
    try {
      booth.value = await api.call({ type: 'getState' });
    } catch (err) {
      console.error('dualrec: cannot load the booth state', err);
    }
  }

  /** Subscribes to the booth; the state is (re)loaded whenever the link comes up. Idempotent. */
  function connect(boothApi: BoothApi = createBoothApi()): void {
    if (api !== null) return;
    api = boothApi;
    unsubscribers.push(
      api.onEvent((event) => {
        if (event.type === 'state') booth.value = event.state;
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

  /** The booth API this store is connected with (the remote staff view asks it for room tickets). */
  function boothApi(): BoothApi {
    if (api === null) throw new Error('not connected to the booth');
    return api;
  }

  /** Sends one flow action; the answer (the new kiosk view) is shown at once, before the next state push. */
  async function flow(action: FlowAction): Promise<KioskView> {
    if (api === null) throw new Error('not connected to the booth');
    const req: BoothRequest = { type: 'flow', action };
    const view = await api.call(req as Extract<BoothRequest, { type: 'flow' }>);
    if (booth.value !== null) booth.value = { ...booth.value, kiosk: view };
    return view;
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
  const session = computed(() => booth.value?.session ?? null);
  /** The camera preview while the camera is recording (FFmpeg owns the camera, the booth relays it). */
  const previewSrc = ref<string | null>(null);
  const previewUrl = computed(() => (session.value?.phase === 'recording' ? previewSrc.value : null));
  const faults = computed(() => booth.value?.faults ?? []);
  const kiosk = computed(() => booth.value?.kiosk ?? null);
  return { booth, session, kiosk, linkUp, previewUrl, faults, backlogPercent, connect, disconnect, flow, boothApi };
});
