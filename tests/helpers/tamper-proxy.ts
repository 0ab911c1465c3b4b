// An HTTP proxy on 127.0.0.1 in front of a real server that can misbehave the ways a branch link
// or a broken middlebox does, for the responses whose path contains `target`: `truncate` sends the
// headers and half the body, then cuts the connection; `flip` changes one byte of the body (same
// length); `down` refuses every request. It logs each request with the status it answered.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type TamperMode = 'pass' | 'truncate' | 'flip' | 'down';

export class TamperProxy {
  mode: TamperMode = 'pass';
  /** Paths whose responses the mode applies to (others always pass). */
  target = '/booth/catalogue/content/';
  readonly log: Array<{ method: string; path: string; status: number }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly upstream: URL,
  ) {}

  static async start(upstream: URL): Promise<TamperProxy> {
    let proxy: TamperProxy | null = null;
    const server = createServer((req, res) => {
      proxy!.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = new TamperProxy(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`, upstream);
    return proxy;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const tamper = path.includes(this.target) ? this.mode : this.mode === 'down' ? 'down' : 'pass';
    if (tamper === 'down') {
      this.log.push({ method: req.method ?? '', path, status: 0 });
      res.socket?.resetAndDestroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
    const up = await fetch(new URL(path, this.upstream), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const body = Buffer.from(await up.arrayBuffer());
    this.log.push({ method: req.method ?? '', path, status: up.status });
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
    });
    res.writeHead(up.status, { ...out, 'content-length': String(body.length) });
    if (tamper === 'truncate' && up.status === 200) {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    if (tamper === 'flip' && up.status === 200 && body.length > 0) {
      const i = Math.floor(body.length / 2);
      body[i] = body[i]! ^ 0xff;
    }
    res.end(body);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
