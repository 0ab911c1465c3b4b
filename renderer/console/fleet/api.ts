// The fleet page's only way to the server: same-origin HTTP with the staff bearer token (kept in
// memory, never in storage). Every response is validated against src/protocol.
import type { z } from 'zod';
import { ErrorBody } from '../../../src/protocol/errors.js';
import { BoothConfigResponse, ConfigLayerView, FleetListResponse, type FleetListQuery, type FleetSettings } from '../../../src/protocol/fleet.js';
import { API_PREFIX } from '../../../src/protocol/server-api.js';
import { AccessTokenResponse, BranchList, EnrollmentCodeResponse } from '../../../src/protocol/staff-api.js';

/** A refused or failed call; `code` is the server's error code when it sent one. */
export class FleetApiError extends Error {
  override readonly name = 'FleetApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class FleetApi {
  private token: string | null = null;

  constructor(private readonly base = API_PREFIX) {}

  get signedIn(): boolean {
    return this.token !== null;
  }

  async login(username: string, password: string): Promise<z.infer<typeof AccessTokenResponse>> {
    const res = await this.request('POST', '/auth/login', AccessTokenResponse, { username, password }, false);
    this.token = res.accessToken;
    return res;
  }

  logout(): void {
    this.token = null;
  }

  booths(q: FleetListQuery): Promise<z.infer<typeof FleetListResponse>> {
    const params = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
    const qs = params.toString();
    return this.request('GET', `/fleet/booths${qs ? `?${qs}` : ''}`, FleetListResponse);
  }

  branches(): Promise<z.infer<typeof BranchList>> {
    return this.request('GET', '/branches', BranchList);
  }

  enrollmentCode(branchId: string): Promise<z.infer<typeof EnrollmentCodeResponse>> {
    return this.request('POST', `/branches/${encodeURIComponent(branchId)}/enrollment-codes`, EnrollmentCodeResponse, {});
  }

  boothConfig(boothId: string): Promise<z.infer<typeof BoothConfigResponse>> {
    return this.request('GET', `/fleet/config/booths/${encodeURIComponent(boothId)}`, BoothConfigResponse);
  }

  setBoothConfig(boothId: string, settings: FleetSettings): Promise<z.infer<typeof ConfigLayerView>> {
    return this.request('PUT', `/fleet/config/booths/${encodeURIComponent(boothId)}`, ConfigLayerView, { settings });
  }

  private async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, auth = true): Promise<z.infer<S>> {
    const headers: Record<string, string> = {};
    if (auth) {
      if (!this.token) throw new FleetApiError('auth.missing', 'sign in first', 401);
      headers.authorization = `Bearer ${this.token}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new FleetApiError('network', `the server cannot be reached: ${(err as Error).message}`, 0);
    }
    const data: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const e = ErrorBody.safeParse(data);
      if (res.status === 401) this.token = null;
      throw new FleetApiError(e.success ? e.data.error.code : `http.${res.status}`, e.success ? e.data.error.message : `HTTP ${res.status}`, res.status);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new FleetApiError('bad_response', `unexpected answer from ${path}`, res.status);
    return parsed.data;
  }
}
