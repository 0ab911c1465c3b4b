import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { MonitorList } from '../../../../src/protocol/review-api.js';
import { api } from '../api.js';
import { useAuthStore } from './auth.js';
import type { LoadStatus } from './sessions.js';

export type LiveSession = MonitorList['sessions'][number];

/** While the live page is open: the sessions recording now, refreshed every 5 s (the sampler takes one every 5 s in a session's first minute). */
export const LIVE_REFRESH_MS = 5000;

export const useLiveStore = defineStore('live', () => {
  const sessions = ref<LiveSession[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** screenshotId → blob: URL of the latest screenshot of each session, or why it could not be shown. */
  const pictures = ref<Record<string, { url: string | null; error: string | null }>>({});
  let timer: ReturnType<typeof setInterval> | null = null;

  async function refresh(): Promise<void> {
    if (status.value !== 'ready') status.value = 'loading';
    try {
      sessions.value = (await api.monitor()).sessions;
      status.value = 'ready';
      error.value = null;
      const wanted = new Set(sessions.value.flatMap((s) => (s.latest ? [s.latest.screenshotId] : [])));
      for (const [id, p] of Object.entries(pictures.value)) if (!wanted.has(id) && p.url) URL.revokeObjectURL(p.url);
      pictures.value = Object.fromEntries(Object.entries(pictures.value).filter(([id]) => wanted.has(id)));
      await Promise.all(sessions.value.map((s) => (s.latest && !(s.latest.screenshotId in pictures.value) ? picture(s.sessionId, s.latest.screenshotId) : null)));
    } catch (err) {
      status.value = 'failed';
      error.value = (err as Error).message;
      useAuthStore().checkSignedIn();
    }
  }

  async function picture(sessionId: string, screenshotId: string): Promise<void> {
    try {
      pictures.value = { ...pictures.value, [screenshotId]: { url: URL.createObjectURL(await api.screenshot(sessionId, screenshotId)), error: null } };
    } catch (err) {
      pictures.value = { ...pictures.value, [screenshotId]: { url: null, error: (err as Error).message } };
    }
  }

  function start(): void {
    stop();
    void refresh();
    timer = setInterval(() => void refresh(), LIVE_REFRESH_MS);
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }

  return { sessions, status, error, pictures, start, stop, refresh };
});
