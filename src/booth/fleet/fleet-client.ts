import { DualrecError, describeIssues } from '../../core/errors.js';
import { ErrorBody } from '../../protocol/errors.js';
import { BoothFleetConfig } from '../../protocol/fleet.js';
import { UpdateEventsResponse, type UpdateEventsRequest } from '../../protocol/fleet-releases.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { ServerRejectedError, ServerUnreachableError } from '../sync/server-client.js';

/** Where the booth's server is and its bearer token; null before enrollment. */
export type BoothCredentials = () => { serverUrl: string; token: string } | null;

export type ConfigFetch = { changed: false } | { changed: true; etag: string | null; config: BoothFleetConfig };

/** The booth's fleet calls: its remote config (with ETag) and update outcomes. Responses are validated. */
export class FleetClient {
  constructor(
    private readonly credentials: BoothCredentials,
    private readonly timeoutMs: number,
  ) {}

  /** GET /booth/config; `{changed: false}` on 304 (the ETag still matches). */
  async config(etag: string | null): Promise<ConfigFetch> {
    const res = await this.send('GET', '/booth/config', etag ? { 'if-none-match': etag } : {});
    if (res.status === 304) return { changed: false };
    const data = await this.json(res, 'GET /booth/config');
    const parsed = BoothFleetConfig.safeParse(data);
    if (!parsed.success) throw new DualrecError('server.bad_response', `unexpected remote config: ${describeIssues(parsed.error.issues)}`);
    return { changed: true, etag: res.headers.get('etag'), config: parsed.data };
  }

  async updateEvents(req: UpdateEventsRequest): Promise<number> {
    const res = await this.send('POST', '/booth/update-events', { 'content-type': 'application/json' }, JSON.stringify(req));
    const parsed = UpdateEventsResponse.safeParse(await this.json(res, 'POST /booth/update-events'));
    if (!parsed.success) throw new DualrecError('server.bad_response', `unexpected answer to update events: ${describeIssues(parsed.error.issues)}`);
    return parsed.data.accepted;
  }

  private async send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Response> {
    const c = this.credentials();
    if (!c) throw new DualrecError('booth.not_enrolled', 'the booth is not enrolled with a server yet');
    try {
      return await fetch(`${c.serverUrl.replace(/\/$/, '')}${API_PREFIX}${path}`, { method, headers: { ...headers, authorization: `Bearer ${c.token}` }, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      throw new ServerUnreachableError('server.unreachable', `cannot reach the server at ${c.serverUrl}: ${(cause as Error).message}`, undefined, { cause });
    }
  }

  private async json(res: Response, what: string): Promise<unknown> {
    let data: unknown;
    try {
      data = JSON.parse(await res.text());
    } catch {
      data = null;
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(data);
      throw new ServerRejectedError(res.status, err.success ? err.data.error.code : `http.${res.status}`, err.success ? err.data.error.message : `HTTP ${res.status} from ${what}`);
    }
    return data;
  }
}
