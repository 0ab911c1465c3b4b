// A minimal HTTP load balancer on 127.0.0.1: each request goes to the next backend in turn, so a
// booth behind it talks to every server instance. Records which backend served which request.
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class RoundRobinProxy {
  /** Per backend URL: "METHOD path" of every request it was sent. */
  readonly served = new Map<string, string[]>();
  private next = 0;
  private readonly agent = new Agent({ keepAlive: true });

  private constructor(
    private readonly server: Server,
    private readonly backends: string[],
  ) {
    for (const b of backends) this.served.set(b, []);
  }

  static async start(backends: string[]): Promise<RoundRobinProxy> {
    let proxy: RoundRobinProxy | null = null;
    const server = createServer((req, res) => {
      const target = new URL(proxy!.backends[proxy!.next++ % proxy!.backends.length]!);
      proxy!.served.get(target.origin)?.push(`${req.method} ${req.url}`);
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: proxy!.agent }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'proxy.upstream', message: err.message } }));
      });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new RoundRobinProxy(server, backends.map((b) => new URL(b).origin));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }
}
