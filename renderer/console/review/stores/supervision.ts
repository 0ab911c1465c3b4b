import { defineStore } from 'pinia';
import { ref } from 'vue';
import { SupervisorCheckRequest, type ReviewerStats } from '../../../../src/protocol/review.js';
import type { SupervisionSample, SupervisionStats } from '../../../../src/protocol/review-api.js';
import { api } from '../api.js';
import { dayBound, lastDays } from '../format.js';
import { useAuthStore } from './auth.js';
import type { LoadStatus } from './sessions.js';

export type SampledDecision = SupervisionSample['decisions'][number];

/** The supervisor page: a period, the sample of decisions to check, reviewer statistics and throughput. */
export const useSupervisionStore = defineStore('supervision', () => {
  const period = ref(lastDays(7));
  /** The period the shown data is for (the form may have changed since). */
  const loadedPeriod = ref({ ...period.value });
  const rate = ref('0.1');
  const unchecked = ref(false);
  const sample = ref<SampledDecision[]>([]);
  const reviewers = ref<ReviewerStats[]>([]);
  const throughput = ref<SupervisionStats['throughput']>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** decisionId → why its check was refused. */
  const checkErrors = ref<Record<string, string>>({});
  const checking = ref<string | null>(null);

  function range(): { from: string; to: string } | null {
    const from = dayBound(period.value.from);
    const to = dayBound(period.value.to, true);
    return from && to ? { from, to } : null;
  }

  async function load(): Promise<void> {
    const r = range();
    if (!r) {
      status.value = 'failed';
      error.value = 'period';
      return;
    }
    status.value = 'loading';
    error.value = null;
    try {
      const [s, st] = await Promise.all([api.sample({ ...r, rate: rate.value, unchecked: String(unchecked.value) }), api.stats(r)]);
      sample.value = s.decisions;
      reviewers.value = st.reviewers;
      throughput.value = st.throughput;
      loadedPeriod.value = { ...period.value };
      status.value = 'ready';
    } catch (err) {
      status.value = 'failed';
      error.value = (err as Error).message;
      useAuthStore().checkSignedIn();
    }
  }

  async function check(decisionId: string, outcome: 'confirmed' | 'overturned', comment: string): Promise<boolean> {
    const req = SupervisorCheckRequest.safeParse({ outcome, comment });
    if (!req.success) {
      checkErrors.value = { ...checkErrors.value, [decisionId]: 'overturnComment' };
      return false;
    }
    checking.value = decisionId;
    try {
      const view = await api.check(decisionId, req.data);
      sample.value = sample.value.map((d) => (d.decisionId === decisionId ? { ...view, why: d.why } : d));
      checkErrors.value = Object.fromEntries(Object.entries(checkErrors.value).filter(([id]) => id !== decisionId));
      const r = range();
      if (r) {
        const st = await api.stats(r);
        reviewers.value = st.reviewers;
        throughput.value = st.throughput;
      }
      return true;
    } catch (err) {
      checkErrors.value = { ...checkErrors.value, [decisionId]: (err as Error).message };
      useAuthStore().checkSignedIn();
      return false;
    } finally {
      checking.value = null;
    }
  }

  return { period, loadedPeriod, rate, unchecked, sample, reviewers, throughput, status, error, checkErrors, checking, load, check };
});
