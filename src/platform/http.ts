import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { installErrorHandler } from './http-errors.js';
import type { Logger } from './log.js';

/**
 * A Fastify app with dualrec's conventions: our pino logger without per-request log lines (routes
 * log what matters), JSON bodies up to `bodyLimit`, and the `{ error: { code, message } }` error handler.
 */
export function createHttpApp(log: Logger, opts: { bodyLimit: number; maxParamLength?: number }): FastifyInstance {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    // Longest path parameter (Fastify's default is 100; a signed media link is ~400 characters).
    routerOptions: { maxParamLength: opts.maxParamLength ?? 100 },
    return503OnClosing: true,
    // Long-lived responses (the kiosk's preview stream) must not hold close() open.
    forceCloseConnections: true,
    // Errors Fastify raises before routing (a malformed URL) go through our error handler too.
    frameworkErrors: (err, _req, reply) => {
      void (reply as unknown as FastifyReply).status(400).send({ error: { code: 'request.bad_url', message: `the URL is malformed: ${err.message}` } });
    },
  });
  installErrorHandler(app);
  return app;
}
