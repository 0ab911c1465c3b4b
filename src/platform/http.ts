import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installErrorHandler } from './http-errors.js';
import type { Logger } from './log.js';

/**
 * A Fastify app with dualrec's conventions: our pino logger without per-request log lines (routes
 * log what matters), JSON bodies up to `bodyLimit`, and the `{ error: { code, message } }` error handler.
 */
export function createHttpApp(log: Logger, opts: { bodyLimit: number }): FastifyInstance {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    return503OnClosing: true,
  });
  installErrorHandler(app);
  return app;
}
