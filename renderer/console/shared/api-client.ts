// The consoles' one way to the server: same-origin HTTP with the staff bearer token, kept in memory
// (never in storage). Every JSON response is validated against src/protocol; every refusal becomes
// an ApiError with the server's error code and message.
import type { z } from 'zod';
import { ErrorBody } from '../../../src/protocol/errors.js';
import { API_PREFIX } from '../../../src/protocol/server-api.js';
import { AccessTokenResponse } from '../../../src/protocol/staff-api.js';

/** A refused or failed call; `code` is the server's error code when it sent one (`network`, `bad_response`, `http.<status>` otherwise). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Query string of the set, non-empty string values (`?a=1&b=2`, or '' when none). */
export function queryString(q: Record<string, unknown>): string {
  const params = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** When to renew an access token that expires at `expiresAt`: a fifth of its life (at most a minute) before. */
export function refreshDelayMs(expiresAt: string, now = Date.now()): number {
  const left = Date.parse(expiresAt) - now;
  return Math.max(0, left - Math.min(60_000, left / 5));
}

export class StaffApiClient {
  private token: string | null = null;
  private renewal: ReturnType<typeof setTimeout> | null = null;
  /** Why the last renewal failed (the token then runs out and the next call answers 401). */
  renewalError: string | null = null;

  constructor(protected readonly base = API_PREFIX) {}

  get signedIn(): boolean {
    return this.token !== null;
  }

  async login(username: string, password: string): Promise<AccessTokenResponse> {
    const res = await this.request('POST', '/auth/login', AccessTokenResponse, { username, password }, false);
    this.hold(res);
    return res;
  }

  /** Ends the login on the server too (POST /auth/logout); the token is forgotten first, whatever the answer. */
  async logout(): Promise<void> {
    const token = this.token;
    this.forget();
    if (!token) return;
    try {
      await fetch(`${this.base}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    } catch (err) {
      throw new ApiError('network', `signed out here, but the server was not told: ${(err as Error).message}`, 0);
    }
  }

  /** Keeps the token and renews it (POST /auth/refresh) before it expires, for as long as the login lasts. */
  private hold(res: AccessTokenResponse): void {
    this.token = res.accessToken;
    if (this.renewal) clearTimeout(this.renewal);
    this.renewal = setTimeout(() => {
      this.renewal = null;
      this.request('POST', '/auth/refresh', AccessTokenResponse, {}).then(
        (r) => {
          this.renewalError = null;
          this.hold(r);
        },
        (err: unknown) => {
          this.renewalError = (err as Error).message;
        },
      );
    }, refreshDelayMs(res.expiresAt));
  }

  private forget(): void {
    this.token = null;
    if (this.renewal) clearTimeout(this.renewal);
    this.renewal = null;
  }

  /** A JSON call: `schema` validates the answer. */
  async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, auth = true): Promise<z.infer<S>> {
    const res = await this.send(method, path, body, auth);
    const data: unknown = await res.json().catch(() => null);
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new ApiError('bad_response', `unexpected answer from ${path}`, res.status);
    return parsed.data;
  }

  /** A binary GET (an image) with the token: the body as a Blob of the expected media type. */
  async blob(path: string, mediaType: RegExp): Promise<Blob> {
    const res = await this.send('GET', path, undefined, true);
    const type = res.headers.get('content-type') ?? '';
    if (!mediaType.test(type)) throw new ApiError('bad_response', `unexpected ${type || 'untyped'} answer from ${path}`, res.status);
    return res.blob();
  }

  private async send(method: string, path: string, body: unknown, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = {};
    if (auth) {
      if (!this.token) throw new ApiError('auth.missing', 'sign in first', 401);
      headers.authorization = `Bearer ${this.token}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError('network', `the server cannot be reached: ${(err as Error).message}`, 0);
    }
    if (res.ok) return res;
    const e = ErrorBody.safeParse(await res.json().catch(() => null));
    if (res.status === 401) this.forget();
    throw new ApiError(e.success ? e.data.error.code : `http.${res.status}`, e.success ? e.data.error.message : `HTTP ${res.status}`, res.status);
  }
}
