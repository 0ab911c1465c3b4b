import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import { DualrecError, IntegrityError, describeIssues } from '../../core/errors.js';
import { BOOTH_CATALOGUE_PATH, BOOTH_CUSTOMER_LOOKUP_PATH, CatalogueSnapshot, boothContentPath } from '../../protocol/catalogue.js';
import { BoothCustomer, type BoothCustomerLookupRequest } from '../../protocol/customers.js';
import { ErrorBody } from '../../protocol/errors.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { ServerRejectedError, ServerUnreachableError } from './server-client.js';

export interface CatalogueClientOptions {
  /** The server's base URL (the enrolled one). */
  baseUrl: () => string;
  /** The booth token, or null before enrollment. */
  token: () => string | null;
  /** Timeout of JSON requests, ms. */
  timeoutMs?: number;
  /** A download that receives nothing for this long is aborted, ms. */
  stallMs?: number;
}

/**
 * The booth's client of the server's catalogue routes: the snapshot (conditional on its ETag), the
 * content blobs it names, and customer lookups for the face check. Every response is validated;
 * a downloaded blob is hashed while it streams and never left at its destination unless it matches.
 */
export class CatalogueClient {
  private readonly timeoutMs: number;
  private readonly stallMs: number;

  constructor(private readonly o: CatalogueClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.stallMs = o.stallMs ?? 30_000;
  }

  /** The published snapshot, or null when it still has `etag` (304). */
  async snapshot(etag: string | null): Promise<CatalogueSnapshot | null> {
    const res = await this.fetch('GET', BOOTH_CATALOGUE_PATH, { headers: etag ? { 'if-none-match': `"${etag}"` } : {}, signal: AbortSignal.timeout(this.timeoutMs) });
    if (res.status === 304) return null;
    return this.json(res, CatalogueSnapshot, `GET ${BOOTH_CATALOGUE_PATH}`);
  }

  async lookupCustomer(req: BoothCustomerLookupRequest): Promise<BoothCustomer> {
    const res = await this.fetch('POST', BOOTH_CUSTOMER_LOOKUP_PATH, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(req), signal: AbortSignal.timeout(this.timeoutMs) });
    return this.json(res, BoothCustomer, `POST ${BOOTH_CUSTOMER_LOOKUP_PATH}`);
  }

  /**
   * Downloads a blob into `dest` (which must not exist), fsynced. Throws IntegrityError when the
   * bytes do not hash to `sha256` or are not `bytes` long; on any failure `dest` is removed.
   */
  async download(sha256: string, bytes: number, dest: string): Promise<void> {
    const stall = new AbortController();
    let timer = setTimeout(() => stall.abort(new Error(`no data for ${this.stallMs} ms`)), this.stallMs);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(new Error(`no data for ${this.stallMs} ms`)), this.stallMs);
    };
    const path = boothContentPath(sha256);
    try {
      const res = await this.fetch('GET', path, { signal: stall.signal });
      if (!res.ok) await this.reject(res, `GET ${path}`);
      if (!res.body) throw new DualrecError('server.bad_response', `GET ${path} returned no body`);
      const hash = createHash('sha256');
      let got = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          touch();
          got += chunk.length;
          if (got > bytes) {
            done(new IntegrityError('catalogue.content_size', `content ${sha256} is longer than its ${bytes} bytes`));
            return;
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), meter, createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
      } catch (cause) {
        if (cause instanceof DualrecError) throw cause;
        throw new ServerUnreachableError('server.unreachable', `the download of content ${sha256.slice(0, 12)}… broke: ${(cause as Error).message}`, undefined, { cause });
      }
      if (got !== bytes) throw new IntegrityError('catalogue.content_size', `content ${sha256} arrived with ${got} bytes, not ${bytes}`);
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new IntegrityError('catalogue.content_hash', `content ${sha256} arrived with SHA-256 ${actual}`);
      const fh = await open(dest, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      await rm(dest, { force: true });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetch(method: string, path: string, init: { headers?: Record<string, string>; body?: string; signal: AbortSignal }): Promise<Response> {
    const token = this.o.token();
    if (!token) throw new DualrecError('booth.not_enrolled', 'the booth is not enrolled with a server yet');
    const url = `${this.o.baseUrl().replace(/\/$/, '')}${API_PREFIX}${path}`;
    try {
      return await fetch(url, { method, headers: { ...init.headers, authorization: `Bearer ${token}` }, body: init.body, signal: init.signal });
    } catch (cause) {
      throw new ServerUnreachableError('server.unreachable', `cannot reach the server at ${this.o.baseUrl()}: ${(cause as Error).message}`, undefined, { cause });
    }
  }

  /** Reads a JSON response: an error status becomes ServerRejectedError, a body that does not validate a clear error. */
  private async json<S extends z.ZodType>(res: Response, schema: S, what: string): Promise<z.infer<S>> {
    if (!res.ok) await this.reject(res, what);
    const parsed = schema.safeParse(await this.body(res, what));
    if (!parsed.success) throw new DualrecError('server.bad_response', `unexpected response from ${what}: ${describeIssues(parsed.error.issues)}`);
    return parsed.data;
  }

  private async reject(res: Response, what: string): Promise<never> {
    const err = ErrorBody.safeParse(await this.body(res, what).catch(() => null));
    throw new ServerRejectedError(res.status, err.success ? err.data.error.code : `http.${res.status}`, err.success ? err.data.error.message : `HTTP ${res.status} from ${what}`);
  }

  private async body(res: Response, what: string): Promise<unknown> {
    let text: string;
    try {
      text = await res.text();
    } catch (cause) {
      throw new ServerUnreachableError('server.unreachable', `the connection broke during ${what}: ${(cause as Error).message}`, undefined, { cause });
    }
    try {
      return text ? JSON.parse(text) : null;
    } catch (cause) {
      throw new DualrecError('server.bad_response', `${what} answered with a body that is not JSON`, undefined, { cause });
    }
  }
}
