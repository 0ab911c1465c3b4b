import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ReviewItemView } from '../../../../src/protocol/review.js';
import type { BranchView } from '../../../../src/protocol/staff-api.js';
import { api } from '../api.js';
import { dayBound } from '../format.js';
import { useAuthStore } from './auth.js';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'failed';

/** The list form's fields ('' = any). */
export interface SessionFilters {
  branchId: string;
  productId: string;
  from: string;
  to: string;
  status: string;
  mine: boolean;
}

const PAGE = 50;

export function emptyFilters(mine: boolean): SessionFilters {
  return { branchId: '', productId: '', from: '', to: '', status: mine ? 'open' : '', mine };
}

/** The session list: filters (branch, product, days, status, my queue), newest first, paged by `before`. */
export const useSessionsStore = defineStore('sessions', () => {
  const filters = ref<SessionFilters>(emptyFilters(false));
  const items = ref<ReviewItemView[]>([]);
  const branches = ref<BranchView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  /** A full page came back: there may be more. */
  const more = ref(false);

  function query(before?: string) {
    const f = filters.value;
    return {
      branchId: f.branchId,
      productId: f.productId.trim(),
      from: dayBound(f.from) ?? '',
      to: dayBound(f.to, true) ?? '',
      status: f.status,
      assignee: f.mine ? 'me' : 'any',
      limit: String(PAGE),
      before: before ?? '',
    };
  }

  async function load(append = false): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      const before = append ? items.value.at(-1)?.startedAt : undefined;
      const page = (await api.sessions(query(before))).items;
      items.value = append ? [...items.value, ...page] : page;
      more.value = page.length === PAGE;
      status.value = 'ready';
    } catch (err) {
      status.value = 'failed';
      error.value = (err as Error).message;
      useAuthStore().checkSignedIn();
    }
  }

  async function loadBranches(): Promise<void> {
    try {
      branches.value = (await api.branches()).branches;
    } catch (err) {
      // The branch filter then offers only "all"; the page says why.
      branches.value = [];
      error.value = (err as Error).message;
    }
  }

  function reset(mine: boolean): void {
    filters.value = emptyFilters(mine);
    items.value = [];
    status.value = 'idle';
  }

  return { filters, items, branches, status, error, more, load, loadBranches, reset };
});
