import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ReviewDecisionRequest, type ReviewSessionDetail } from '../../../../src/protocol/review.js';
import { api } from '../api.js';
import { useAuthStore } from './auth.js';
import type { LoadStatus } from './sessions.js';

export type DecisionInput = { decision: ReviewDecisionRequest['decision']; reasons: ReviewDecisionRequest['reasons']; comment: string };

/**
 * One session's page: the detail (item, machine report, timeline, screenshots, decisions), the
 * video's media link, the screenshots as blob URLs (fetched with the token), and the decision.
 */
export const useSessionStore = defineStore('session', () => {
  const detail = ref<ReviewSessionDetail | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const videoUrl = ref<string | null>(null);
  const videoError = ref<string | null>(null);
  /** screenshotId → blob: URL (revoked when the page changes). */
  const shots = ref<Record<string, string>>({});
  /** screenshotId → why it could not be fetched. */
  const shotErrors = ref<Record<string, string>>({});
  const sending = ref(false);
  /** Why the decision was not taken: the form fields at fault (client-side check) or the server's message. */
  const decisionError = ref<{ fields: string[]; message: string } | null>(null);
  const decided = ref<ReviewDecisionRequest['decision'] | null>(null);
  let loadedFor: string | null = null;

  function clear(): void {
    for (const url of Object.values(shots.value)) URL.revokeObjectURL(url);
    shots.value = {};
    shotErrors.value = {};
    detail.value = null;
    videoUrl.value = null;
    videoError.value = null;
    decisionError.value = null;
    decided.value = null;
    error.value = null;
    status.value = 'idle';
  }

  /** Loads the page; again for the same session (after a decision) it keeps the player's link and the pictures it has. */
  async function load(sessionId: string): Promise<void> {
    const again = loadedFor === sessionId;
    if (!again) clear();
    loadedFor = sessionId;
    status.value = 'loading';
    error.value = null;
    try {
      const d = await api.session(sessionId);
      if (loadedFor !== sessionId) return;
      detail.value = d;
      status.value = 'ready';
      const missing = d.screenshots.filter((s) => !(s.screenshotId in shots.value));
      await Promise.all([...(again && videoUrl.value ? [] : [linkVideo()]), ...missing.map((s) => loadShot(sessionId, s.screenshotId))]);
    } catch (err) {
      if (loadedFor !== sessionId) return;
      status.value = 'failed';
      error.value = (err as Error).message;
      useAuthStore().checkSignedIn();
    }
  }

  /** (Re)asks for the video's short-lived link: on load, and when the player reports the old one failed. */
  async function linkVideo(): Promise<void> {
    const d = detail.value;
    if (!d?.media.video) return;
    try {
      videoUrl.value = (await api.mediaLink(d.item.sessionId, d.media.video)).url;
      videoError.value = null;
    } catch (err) {
      videoError.value = (err as Error).message;
    }
  }

  async function loadShot(sessionId: string, screenshotId: string): Promise<void> {
    try {
      const blob = await api.screenshot(sessionId, screenshotId);
      if (loadedFor === sessionId) shots.value = { ...shots.value, [screenshotId]: URL.createObjectURL(blob) };
    } catch (err) {
      // One missing picture does not stop the page: its tile says what went wrong.
      shotErrors.value = { ...shotErrors.value, [screenshotId]: (err as Error).message };
    }
  }

  /** Validates the form against the protocol before sending; errors name the field. */
  async function decide(input: DecisionInput): Promise<boolean> {
    const d = detail.value;
    if (!d) return false;
    decisionError.value = null;
    const req = ReviewDecisionRequest.safeParse(input.decision === 'accept' ? { ...input, reasons: [] } : input);
    if (!req.success) {
      decisionError.value = { fields: req.error.issues.map((i) => String(i.path[0] ?? '')), message: req.error.issues.map((i) => i.message).join('; ') };
      return false;
    }
    sending.value = true;
    try {
      await api.decide(d.item.sessionId, req.data);
      decided.value = req.data.decision;
      const auth = useAuthStore();
      await Promise.all([load(d.item.sessionId), auth.isReviewer ? auth.heartbeat() : null]);
      return true;
    } catch (err) {
      decisionError.value = { fields: [], message: (err as Error).message };
      useAuthStore().checkSignedIn();
      return false;
    } finally {
      sending.value = false;
    }
  }

  return { detail, status, error, videoUrl, videoError, shots, shotErrors, sending, decisionError, decided, load, clear, linkVideo, decide };
});
