import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { createReadStream, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { ForbiddenError, NotFoundError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { BRIDGE_CALL_PATH, BRIDGE_CONTENT_PATH, BRIDGE_EVENTS_PATH, BRIDGE_PREVIEW_PATH, type BoothEvent, type BoothResponses, type BoothRequest } from '../../protocol/booth-api.js';
import { ProductId } from '../../protocol/ids.js';
import { BRIDGE_DISCLOSURE_PATH } from '../../protocol/kiosk-flow.js';
import { sendImmutableBlob } from '../../platform/blob-reply.js';
import { createHttpApp } from '../../platform/http.js';
import type { Logger } from '../../platform/log.js';
import type { BoothConfig } from '../config.js';

/** What the bridge needs of the booth (the composition root implements it). */
export interface BridgeTarget {
  handle(raw: unknown): Promise<BoothResponses[BoothRequest['type']]>;
  state(): Promise<unknown>;
  on(event: 'event', cb: (e: BoothEvent) => void): unknown;
  off(event: 'event', cb: (e: BoothEvent) => void): unknown;
  on(event: 'preview', cb: (jpeg: Buffer) => void): unknown;
  off(event: 'preview', cb: (jpeg: Buffer) => void): unknown;
  /** A verified risk-disclosure file of the booth's cached catalogue. */
  catalogueContent?(sha256: string): Promise<{ path: string; ref: { sha256: string; bytes: number; mime: string } }>;
  /** Absolute path of a product's disclosure video (NotFoundError when the product is unknown). */
  disclosureFile(productId: string): Promise<string>;
}

/** Default location of the built renderer, relative to the package root. */
export function defaultStaticDir(): string {
  return resolve(import.meta.dirname, '../../../out/renderer');
}

/**
 * The browser-mode bridge: the kiosk UI served over HTTP on 127.0.0.1, with the same typed
 * requests as the Electron preload (`POST /bridge/v1/call`) and state pushed over a WebSocket.
 * Requests from any other origin are refused, so other local web pages cannot drive the booth.
 */
export class BridgeServer {
  private constructor(
    private readonly app: FastifyInstance,
    readonly url: string,
  ) {}

  static async start(target: BridgeTarget, cfg: BoothConfig['bridge'], log: Logger): Promise<BridgeServer> {
    const app = createHttpApp(log, { bodyLimit: 64 * 1024 });
    await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
    let origins: string[] = [];
    const checkOrigin = (o: string | undefined) => {
      if (o !== undefined && !origins.includes(o)) throw new ForbiddenError('bridge.origin', `requests from origin ${o} are not allowed`);
    };
    app.post(BRIDGE_CALL_PATH, async (req) => {
      checkOrigin(req.headers.origin);
      return target.handle(req.body);
    });
    app.get(BRIDGE_EVENTS_PATH, { websocket: true }, (socket, req) => {
      try {
        checkOrigin(req.headers.origin);
      } catch {
        socket.close(1008, 'origin not allowed');
        return;
      }
      const send = (e: BoothEvent) => socket.send(JSON.stringify(e));
      target.on('event', send);
      socket.on('close', () => target.off('event', send));
      target.state().then(
        (state) => send({ type: 'state', state } as BoothEvent),
        (err: unknown) => log.error({ err }, 'cannot read state for a new bridge client'),
      );
    });
    // An <img> or <video> sends no Origin; Fetch Metadata tells whether another site embeds it.
    const checkEmbedder = (req: { headers: Record<string, string | string[] | undefined> }, what: string) => {
      const site = req.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new ForbiddenError('bridge.origin', `${what} is only for the kiosk page`);
      checkOrigin(req.headers.origin as string | undefined);
    };
    app.get(BRIDGE_PREVIEW_PATH, (req, reply) => {
      checkEmbedder(req, 'the camera preview');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=frame', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      const send = (jpeg: Buffer) => {
        // Drop frames for a slow client rather than buffer them.
        if (res.writableLength > 512 * 1024) return;
        res.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
        res.write(jpeg);
        res.write('\r\n');
      };
      target.on('preview', send);
      req.raw.on('close', () => target.off('preview', send));
    });
    app.get(`${BRIDGE_CONTENT_PATH}/:sha256`, async (req, reply) => {
      checkEmbedder(req, 'catalogue content');
      const { sha256 } = req.params as { sha256: string };
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ValidationError('request.invalid', 'content is named by its lower-case hex SHA-256');
      if (!target.catalogueContent) throw new NotFoundError('catalogue.unavailable', 'this booth has no catalogue');
      const { path, ref } = await target.catalogueContent(sha256);
      return sendImmutableBlob(req, reply, ref, async (range) => ({ stream: createReadStream(path, range ?? {}), range }));
    });
    // The kiosk flow's disclosure video of a product, with byte ranges (the kiosk may replay it from the start).
    app.get<{ Params: { productId: string } }>(`${BRIDGE_DISCLOSURE_PATH}/:productId`, async (req, reply) => {
      checkEmbedder(req, 'disclosure content');
      const productId = parseOrThrow(ProductId, req.params.productId, 'product id');
      const file = await target.disclosureFile(productId);
      return reply.header('cache-control', 'no-store').sendFile(basename(file), dirname(file));
    });
    const staticDir = cfg.staticDir ? resolve(cfg.staticDir) : defaultStaticDir();
    if (existsSync(staticDir)) {
      await app.register(fastifyStatic, { root: staticDir, prefix: '/' });
      app.get('/', (_req, reply) => reply.redirect('/kiosk/index.html'));
    } else {
      await app.register(fastifyStatic, { serve: false });
      log.warn({ staticDir }, 'kiosk UI not built (run `npm run build`); the bridge serves the API only');
    }
    await app.listen({ host: '127.0.0.1', port: cfg.port });
    const port = (app.server.address() as AddressInfo).port;
    origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    log.info({ url: origins[0] }, 'kiosk bridge listening');
    return new BridgeServer(app, origins[0]!);
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
