import { pathToFileURL } from 'node:url';
import { net, protocol, type Session } from 'electron';
import { ProductId } from '../src/protocol/ids.js';
import { CONTENT_SCHEME } from '../src/protocol/kiosk-flow.js';
import type { BoothHost } from './booth-host-types.js';

/**
 * `dualrec-content://disclosure/<productId>` (the kiosk flow's disclosure video) and
 * `dualrec-content://catalogue/<sha256>` (a verified file of the booth's cached catalogue): the
 * kiosk page's way to media the booth keeps outside the app (the page is file:// and may not read
 * other files). Standard and secure so the media element may stream and seek it; no fetch API, no
 * CSP bypass. Browser mode serves the same files on the bridge.
 */
export const CONTENT_SCHEME_PRIVILEGES = { scheme: CONTENT_SCHEME, privileges: { standard: true, secure: true, stream: true } };

/** Must run before the app is ready (Electron's rule for privileged schemes). */
export function registerContentScheme(): void {
  protocol.registerSchemesAsPrivileged([CONTENT_SCHEME_PRIVILEGES]);
}

const text = (status: number, body: string) => new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/**
 * Answers one content request: only GET of `disclosure/<productId>` with a valid product id; the
 * file comes from the booth (never from a path in the URL) and is streamed by Chromium's file
 * loader, which honours Range requests.
 */
export function contentHandler(host: Pick<BoothHost, 'disclosureFile' | 'catalogueFile'>, fetchFile: (url: string, init: RequestInit) => Promise<Response> = (u, i) => net.fetch(u, i)) {
  return async (req: Request): Promise<Response> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'only GET');
    const url = new URL(req.url);
    const parts = url.pathname.split('/').filter((p) => p !== '');
    if (parts.length !== 1) return text(404, 'no such content');
    const name = decodeURIComponent(parts[0]!);
    let lookup: () => Promise<string>;
    if (url.hostname === 'disclosure') {
      const id = ProductId.safeParse(name);
      if (!id.success) return text(400, 'bad product id');
      lookup = () => host.disclosureFile(id.data);
    } else if (url.hostname === 'catalogue') {
      if (!/^[0-9a-f]{64}$/.test(name)) return text(400, 'catalogue content is named by its lower-case hex SHA-256');
      lookup = () => host.catalogueFile(name);
    } else {
      return text(404, 'no such content');
    }
    let file: string;
    try {
      file = await lookup();
    } catch (err) {
      return text(404, `no content ${name}: ${(err as Error).message}`);
    }
    const range = req.headers.get('range');
    return fetchFile(pathToFileURL(file).href, { method: req.method, headers: range === null ? {} : { range } });
  };
}

export function installContentProtocol(ses: Session, host: Pick<BoothHost, 'disclosureFile' | 'catalogueFile'>): void {
  ses.protocol.handle(CONTENT_SCHEME, contentHandler(host));
}
