import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { StaffRole } from '../../../../src/protocol/staff.js';
import { api } from '../api.js';

export type AuthStatus = 'signed-out' | 'signing-in' | 'ready';

/** A reviewer counts as online while the console sends this heartbeat (the server reassigns the items of one gone silent). */
export const HEARTBEAT_MS = 60_000;

/** Sign-in, the caller's roles, and the reviewer heartbeat (POST /review/heartbeat every minute). */
export const useAuthStore = defineStore('auth', () => {
  const status = ref<AuthStatus>('signed-out');
  const error = ref<string | null>(null);
  const user = ref<string | null>(null);
  const roles = ref<StaffRole[]>([]);
  /** The caller's open items, from the last heartbeat (reviewers only). */
  const open = ref<number | null>(null);
  let timer: ReturnType<typeof setInterval> | null = null;

  const isReviewer = computed(() => roles.value.includes('reviewer'));
  const isSupervisor = computed(() => roles.value.includes('supervisor'));
  const canReview = computed(() => isReviewer.value || isSupervisor.value);

  async function heartbeat(): Promise<void> {
    try {
      open.value = (await api.heartbeat()).open;
    } catch (err) {
      error.value = (err as Error).message;
      if (!api.signedIn) signOut();
    }
  }

  async function signIn(username: string, password: string): Promise<void> {
    status.value = 'signing-in';
    error.value = null;
    try {
      const res = await api.login(username, password);
      user.value = res.principal.username;
      roles.value = res.principal.roles;
      status.value = 'ready';
      if (isReviewer.value) {
        await heartbeat();
        timer = setInterval(() => void heartbeat(), HEARTBEAT_MS);
      }
    } catch (err) {
      status.value = 'signed-out';
      error.value = (err as Error).message;
    }
  }

  function signOut(): void {
    api.logout().catch((err: unknown) => (error.value = (err as Error).message));
    if (timer) clearInterval(timer);
    timer = null;
    user.value = null;
    roles.value = [];
    open.value = null;
    status.value = 'signed-out';
  }

  /** After any call: a 401 has dropped the token, so the page returns to the sign-in form. */
  function checkSignedIn(): void {
    if (status.value === 'ready' && !api.signedIn) signOut();
  }

  return { status, error, user, roles, open, isReviewer, isSupervisor, canReview, signIn, signOut, checkSignedIn, heartbeat };
});
