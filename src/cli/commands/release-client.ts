import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { DualrecError, ValidationError } from '../../core/errors.js';
import { ErrorBody } from '../../protocol/errors.js';
import { ARTIFACT_SHA512_HEADER, ReleaseListResponse, ReleaseView, type ArtifactPlatform, type Rollout } from '../../protocol/fleet-releases.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { AccessTokenResponse } from '../../protocol/staff-api.js';

/** A server answer that is not a success, with the server's code and message. */
export class ReleaseApiError extends DualrecError {
  override readonly name = 'ReleaseApiError';
}

/** The release API over HTTP(S), as an admin signed in with username and password. */
export class ReleaseClient {
  private constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  static async login(server: string, username: string, password: string): Promise<ReleaseClient> {
    const u = new URL(server);
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local)) throw new ValidationError('release.insecure', `--server must use https (plain http only to this machine): ${server}`);
    const base = `${u.origin}${API_PREFIX}`;
    const res = await call(base, null, 'POST', '/auth/login', AccessTokenResponse, { json: { username, password } });
    return new ReleaseClient(base, res.accessToken);
  }

  list(): Promise<ReleaseView[]> {
    return call(this.base, this.token, 'GET', '/fleet/releases', ReleaseListResponse).then((r) => r.releases);
  }

  async byVersion(version: string): Promise<ReleaseView> {
    const r = (await this.list()).find((x) => x.version === version);
    if (!r) throw new ReleaseApiError('release.not_found', `the server has no release ${version}`);
    return r;
  }

  create(version: string, channel: string, notes: string): Promise<ReleaseView> {
    return call(this.base, this.token, 'POST', '/fleet/releases', ReleaseView, { json: { version, channel, notes } });
  }

  /** Streams the file; the server checks the bytes against `sha512` (base64) and refuses a damaged transfer. */
  async upload(releaseId: string, platform: ArtifactPlatform, path: string, fileName: string, sha512: string): Promise<ReleaseView> {
    const size = (await stat(path)).size;
    const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    return call(this.base, this.token, 'PUT', `/fleet/releases/${releaseId}/artifacts/${platform}?name=${encodeURIComponent(fileName)}`, ReleaseView, {
      body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), [ARTIFACT_SHA512_HEADER]: sha512 },
    });
  }

  publish(releaseId: string, rollout: Rollout): Promise<ReleaseView> {
    return call(this.base, this.token, 'POST', `/fleet/releases/${releaseId}/publish`, ReleaseView, { json: { rollout } });
  }

  rollout(releaseId: string, rollout: Rollout): Promise<ReleaseView> {
    return call(this.base, this.token, 'PUT', `/fleet/releases/${releaseId}/rollout`, ReleaseView, { json: { rollout } });
  }

  change(releaseId: string, what: 'pause' | 'resume' | 'rollback'): Promise<ReleaseView> {
    return call(this.base, this.token, 'POST', `/fleet/releases/${releaseId}/${what}`, ReleaseView, {});
  }
}

async function call<S extends z.ZodType>(
  base: string,
  token: string | null,
  method: string,
  path: string,
  schema: S,
  o: { json?: unknown; body?: ReadableStream<Uint8Array>; headers?: Record<string, string> } = {},
): Promise<z.infer<S>> {
  const headers: Record<string, string> = { ...o.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (o.json !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, body: o.json !== undefined ? JSON.stringify(o.json) : o.body };
  if (o.body) init.duplex = 'half';
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, init);
  } catch (cause) {
    throw new ReleaseApiError('release.unreachable', `cannot reach ${base}: ${(cause as Error).message}`, undefined, { cause });
  }
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = ErrorBody.safeParse(data);
    throw new ReleaseApiError(e.success ? e.data.error.code : `http.${res.status}`, e.success ? e.data.error.message : `HTTP ${res.status} from ${method} ${path}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ReleaseApiError('release.bad_response', `unexpected answer from ${method} ${path}`);
  return parsed.data;
}
