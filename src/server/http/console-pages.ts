import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { PUBLIC_ROUTE } from '../auth/route-config.js';
import { defaultUiDir } from './ui-static.js';

const AssetParams = z.strictObject({ file: z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, 'asset name') });

/**
 * Serves the built web pages the server hands out: the remote-assistance console page
 * (`/console/remote/`, what invitation links open) and the bundled assets it loads (`/assets/…`).
 * Public: the pages hold no data; everything they show comes from authenticated API calls.
 */
export async function registerConsolePages(app: FastifyInstance, pagesDir: string = defaultUiDir()): Promise<void> {
  // One @fastify/static per app (the /ui/ pages register it too); files name their root.
  if (!app.hasReplyDecorator('sendFile')) await app.register(fastifyStatic, { root: pagesDir, serve: false });
  const built = () => existsSync(`${pagesDir}/console/remote/index.html`);
  app.get('/console/remote/', PUBLIC_ROUTE, async (_req, reply) => {
    if (!built()) throw new NotFoundError('console.not_built', 'the console pages are not built on this server (npm run build)');
    return reply.header('cache-control', 'no-store').sendFile('console/remote/index.html', pagesDir);
  });
  app.get('/assets/:file', PUBLIC_ROUTE, async (req, reply) => {
    const { file } = parseOrThrow(AssetParams, req.params, 'asset');
    return reply.sendFile(`assets/${file}`, pagesDir);
  });
}
