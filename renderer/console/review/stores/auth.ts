import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useStaffSession, type SignInStatus } from '../../shared/staff-session.js';
import { api } from '../api.js';

export type AuthStatus = SignInStatus;

/** A reviewer counts as online while the console sends this heartbeat (the server reassigns the items of one gone silent). */
export const HEARTBEAT_MS = 60_000;

/** Sign-in, the caller's roles, and the reviewer heartbeat (POST /review/heartbeat every minute). */
export const useAuthStore = defineStore('auth', () => {
  const session = useStaffSession(api, async () => {
    if (!isReviewer.value) return;
    await heartbeat();
    session.poll(HEARTBEAT_MS, heartbeat);
  });
  const { status, error, user, roles } = session;
  /** The caller's open items, from the last heartbeat (reviewers only). */
  const open = ref<number | null>(null);

  const isReviewer = computed(() => roles.value.includes('reviewer'));
  const isSupervisor = computed(() => roles.value.includes('supervisor'));
  const canReview = computed(() => isReviewer.value || isSupervisor.value);

  async function heartbeat(): Promise<void> {
    try {
      open.value = (await api.heartbeat()).open;
    } catch (err) {
      session.fail(err);
    }
  }

  function signOut(): void {
    open.value = null;
    session.signOut();
  }

  return { status, error, user, roles, open, isReviewer, isSupervisor, canReview, signIn: session.signIn, signOut, checkSignedIn: session.checkSignedIn, heartbeat };
});
