// The sign-in state every console page keeps (the fleet page, the review console): who is signed
// in, with which roles, and a page's polling while they are. Used inside a Pinia setup store.
import { ref } from 'vue';
import type { StaffRole } from '../../../src/protocol/staff.js';
import type { AccessTokenResponse } from '../../../src/protocol/staff-api.js';

/** What the sign-in needs of a console's API client (StaffApiClient has it). */
export interface SignInApi {
  readonly signedIn: boolean;
  login(username: string, password: string): Promise<AccessTokenResponse>;
  logout(): Promise<void>;
}

export type SignInStatus = 'signed-out' | 'signing-in' | 'ready';

/**
 * `signIn` logs in and runs `ready` (what the page loads first, its polling) before the page
 * shows; a failure there leaves the page signed out with the error shown. `poll` repeats a refresh while signed in.
 * `fail` shows an error and, when the call found the token gone (a 401 drops it), returns to
 * the sign-in form. `signOut` ends the login on the server too.
 */
export function useStaffSession(api: SignInApi, ready: () => Promise<void> = async () => undefined) {
  const status = ref<SignInStatus>('signed-out');
  const error = ref<string | null>(null);
  const user = ref<string | null>(null);
  const roles = ref<StaffRole[]>([]);
  let timer: ReturnType<typeof setInterval> | null = null;

  /** Runs `run` every `ms` until sign-out (replacing an earlier poll). */
  function poll(ms: number, run: () => Promise<void>): void {
    if (timer) clearInterval(timer);
    timer = setInterval(() => void run(), ms);
  }

  /** Back to the sign-in form, without telling the server (the login is over or never was). */
  function end(): void {
    if (timer) clearInterval(timer);
    timer = null;
    user.value = null;
    roles.value = [];
    status.value = 'signed-out';
  }

  function fail(err: unknown): void {
    error.value = err instanceof Error ? err.message : String(err);
    if (!api.signedIn) end();
  }

  async function signIn(username: string, password: string): Promise<void> {
    status.value = 'signing-in';
    error.value = null;
    try {
      const res = await api.login(username, password);
      user.value = res.principal.username;
      roles.value = res.principal.roles;
      // The page shows once what it loads first is there.
      await ready();
      status.value = 'ready';
    } catch (err) {
      if (api.signedIn) await api.logout().catch(() => undefined);
      end();
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  function signOut(): void {
    api.logout().catch((err: unknown) => (error.value = (err as Error).message));
    end();
  }

  /** After any call: a 401 has dropped the token, so the page returns to the sign-in form. */
  function checkSignedIn(): void {
    if (status.value === 'ready' && !api.signedIn) end();
  }

  return { status, error, user, roles, poll, fail, signIn, signOut, checkSignedIn };
}
