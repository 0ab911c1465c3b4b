import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export interface HttpExchange {
  method: string;
  url: string;
  headers: OutgoingHttpHeaders;
  /** Sent as is (a Buffer goes to the socket without a copy); a Readable is piped. */
  body?: Uint8Array | Readable;
  timeoutMs: number;
}

export interface HttpReply {
  status: number;
  text: string;
}

/** The exchange failed before a response arrived (`stage: 'request'`) or while reading it (`'response'`). */
export class HttpTransportError extends Error {
  override readonly name = 'HttpTransportError';
  constructor(
    readonly stage: 'request' | 'response',
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * HTTP/1.1 exchanges with one server over kept-alive connections (node:http or node:https).
 * Request bodies are written straight to the socket: a sealed segment is not copied on the way.
 */
export class HttpTransport {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(baseUrl: string) {
    const https = new URL(baseUrl).protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.send = https ? (httpsRequest as typeof httpRequest) : httpRequest;
  }

  exchange(x: HttpExchange): Promise<HttpReply> {
    return new Promise<HttpReply>((resolve, reject) => {
      const signal = AbortSignal.timeout(x.timeoutMs);
      const req = this.send(x.url, { method: x.method, headers: x.headers, agent: this.agent, signal }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (cause: Error) => reject(new HttpTransportError('response', cause.message, { cause })));
        res.on('close', () => {
          if (!res.complete) return reject(new HttpTransportError('response', signal.aborted ? `no complete response within ${x.timeoutMs} ms` : 'the connection closed mid-response', { cause: signal.reason }));
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', (cause: Error) => reject(new HttpTransportError('request', signal.aborted ? `no response within ${x.timeoutMs} ms` : cause.message, { cause })));
      if (x.body instanceof Readable) {
        x.body.on('error', (err) => req.destroy(err));
        x.body.pipe(req);
      } else {
        req.end(x.body);
      }
    });
  }

  /** Closes idle kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
