import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import { PUBLIC_ROUTE } from '../auth/route-config.js';

/** out/renderer next to the server code (dist/server/http or src/server/http: three levels up). */
export function defaultUiDir(): string {
  return resolve(import.meta.dirname, '../../../out/renderer');
}

/**
 * Serves the built web pages (out/renderer: the fleet console is `/ui/console/fleet/`, the review
 * console for reviewers and supervisors `/ui/console/review/`) as public static files: they hold no data, and every API call they make carries the staff token. Without
 * a build the route answers 404 `ui.not_built`.
 */
export async function registerUiStatic(app: FastifyInstance, uiDir: string, log: Logger): Promise<void> {
  const built = existsSync(uiDir);
  // One @fastify/static per app (the console pages register it too); files name their root.
  if (built && !app.hasReplyDecorator('sendFile')) await app.register(fastifyStatic, { root: uiDir, serve: false });
  else log.warn({ uiDir }, 'web UI not built (run `npm run build`); /ui/ answers 404');
  app.get('/ui/*', PUBLIC_ROUTE, async (req, reply) => {
    if (!built) throw new NotFoundError('ui.not_built', 'the web UI is not built on this server (npm run build)');
    const rest = (req.params as { '*': string })['*'];
    return reply.sendFile(rest === '' || rest.endsWith('/') ? `${rest}index.html` : rest, uiDir);
  });
}
