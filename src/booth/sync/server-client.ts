import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { DualrecError, describeIssues } from '../../core/errors.js';
import { ErrorBody } from '../../protocol/errors.js';
import {
  API_PREFIX,
  BoothStatusResponse,
  EnrollResponse,
  FaultReportResponse,
  FinishSessionResponse,
  HealthResponse,
  SEGMENT_SHA256_HEADER,
  SegmentAck,
  SessionView,
  type BoothStatusReport,
  type CreateSessionRequest,
  type FaultReportRequest,
  type EnrollRequest,
  type FinishSessionRequest,
} from '../../protocol/server-api.js';
import { BoothRoomResponse, TicketResponse } from '../../protocol/sfu.js';
import { HttpTransport, HttpTransportError, type HttpReply } from './http-transport.js';
import type { Throttle } from './throttle.js';

/** The server answered with an error status. `status` and `code` come from the response. */
export class ServerRejectedError extends DualrecError {
  override readonly name = 'ServerRejectedError';
  constructor(
    readonly httpStatus: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
  /** 4xx other than 408/429 will not succeed on retry without a change. */
  get permanent(): boolean {
    return this.httpStatus >= 400 && this.httpStatus < 500 && this.httpStatus !== 408 && this.httpStatus !== 429;
  }
}

/** The server could not be reached (network down, refused, timed out). */
export class ServerUnreachableError extends DualrecError {
  override readonly name = 'ServerUnreachableError';
  override readonly status = 503;
}

/**
 * Typed client of the central server's booth API. Every response is validated. Requests go over
 * kept-alive connections (HttpTransport); segment bodies are sent without copying.
 */
export class ServerClient {
  private readonly http: HttpTransport;

  constructor(
    readonly baseUrl: string,
    private token: string | null = null,
    private readonly timeoutMs = 30_000,
  ) {
    this.http = new HttpTransport(baseUrl);
  }

  /** Closes idle connections. The client stays usable (it opens new ones). */
  close(): void {
    this.http.close();
  }

  setToken(token: string): void {
    this.token = token;
  }

  /** Checks that the server answers (no token needed). */
  health(): Promise<z.infer<typeof HealthResponse>> {
    return this.request('GET', '/health', HealthResponse, { auth: false });
  }

  enroll(req: EnrollRequest): Promise<z.infer<typeof EnrollResponse>> {
    return this.request('POST', '/booths/enroll', EnrollResponse, { json: req, auth: false });
  }

  createSession(req: CreateSessionRequest): Promise<z.infer<typeof SessionView>> {
    return this.request('POST', '/sessions', SessionView, { json: req });
  }

  getSession(sessionId: string): Promise<z.infer<typeof SessionView>> {
    return this.request('GET', `/sessions/${encodeURIComponent(sessionId)}`, SessionView, {});
  }

  /** Uploads one sealed segment; with a throttle the body is paced to its bandwidth cap. */
  putSegment(sessionId: string, seq: number, bytes: Uint8Array, sha256: string, throttle?: Throttle | null): Promise<z.infer<typeof SegmentAck>> {
    return this.request('PUT', `/sessions/${encodeURIComponent(sessionId)}/segments/${seq}`, SegmentAck, {
      body: throttle ? throttle.body(bytes) : bytes,
      // A capped upload may take longer than the default timeout: allow twice its paced time on top.
      timeoutMs: throttle ? this.timeoutMs + Math.ceil((bytes.length / throttle.bytesPerSec) * 2000) : this.timeoutMs,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), [SEGMENT_SHA256_HEADER]: sha256 },
    });
  }

  /** Sends faults raised or cleared since the last delivery. */
  reportFaults(req: FaultReportRequest): Promise<z.infer<typeof FaultReportResponse>> {
    return this.request('POST', '/booth/faults', FaultReportResponse, { json: req });
  }

  /** Sends the booth's periodic status (backlog, disk). */
  reportStatus(req: BoothStatusReport): Promise<z.infer<typeof BoothStatusResponse>> {
    return this.request('POST', '/booth/status', BoothStatusResponse, { json: req });
  }

  finish(sessionId: string, req: FinishSessionRequest): Promise<z.infer<typeof FinishSessionResponse>> {
    return this.request('POST', `/sessions/${encodeURIComponent(sessionId)}/finish`, FinishSessionResponse, { json: req });
  }

  /** The remote session (SFU room) reserved for this booth that is open now, if any. */
  sfuRoom(): Promise<z.infer<typeof BoothRoomResponse>> {
    return this.request('GET', '/booth/sfu/room', BoothRoomResponse, {});
  }

  /** A one-time signalling ticket for this booth's capture or its kiosk page. */
  sfuTicket(roomId: string, as: 'booth' | 'kiosk'): Promise<z.infer<typeof TicketResponse>> {
    return this.request('POST', '/booth/sfu/tickets', TicketResponse, { json: { roomId, as } });
  }

  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    opts: { json?: unknown; body?: Uint8Array | Readable; headers?: Record<string, string>; auth?: boolean; timeoutMs?: number },
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth !== false) {
      if (!this.token) throw new DualrecError('booth.not_enrolled', 'the booth is not enrolled with a server yet');
      headers.authorization = `Bearer ${this.token}`;
    }
    let body = opts.body;
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json), 'utf8');
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const url = `${this.baseUrl.replace(/\/$/, '')}${API_PREFIX}${path}`;
    let res: HttpReply;
    try {
      res = await this.http.exchange({ method, url, headers, body, timeoutMs: opts.timeoutMs ?? this.timeoutMs });
    } catch (cause) {
      const message = cause instanceof HttpTransportError && cause.stage === 'response' ? `the connection to ${this.baseUrl} broke during ${method} ${path}` : `cannot reach the server at ${this.baseUrl}`;
      throw new ServerUnreachableError('server.unreachable', `${message}: ${(cause as Error).message}`, undefined, { cause });
    }
    let data: unknown;
    try {
      data = res.text ? JSON.parse(res.text) : null;
    } catch {
      data = null;
    }
    if (res.status < 200 || res.status >= 300) {
      const err = ErrorBody.safeParse(data);
      const code = err.success ? err.data.error.code : `http.${res.status}`;
      const message = err.success ? err.data.error.message : `HTTP ${res.status} from ${method} ${path}`;
      throw new ServerRejectedError(res.status, code, message);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new DualrecError('server.bad_response', `unexpected response from ${method} ${path}: ${describeIssues(parsed.error.issues)}`);
    return parsed.data;
  }
}
