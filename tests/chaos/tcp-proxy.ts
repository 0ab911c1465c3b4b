// A TCP proxy on 127.0.0.1 between the booth and the server that can cut the network the ways
// branch links fail: `drop` resets every connection and refuses new ones; `stall` accepts and
// holds connections without passing a byte either way; `pass` forwards normally.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'drop' | 'stall';

export class TcpProxy {
  private mode: ProxyMode = 'pass';
  private readonly sockets = new Set<Socket>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => proxy!.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    proxy = new TcpProxy(server, port, targetPort);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Points the proxy at another server port (a restarted server). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode !== 'pass') for (const s of this.sockets) s.resetAndDestroy();
    if (mode !== 'pass') this.sockets.clear();
  }

  private accept(client: Socket): void {
    if (this.mode === 'drop') {
      client.resetAndDestroy();
      return;
    }
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.mode === 'stall') {
      // Accept and read nothing: the booth's request hangs until its timeout.
      client.pause();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.resetAndDestroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
