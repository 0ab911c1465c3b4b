import type { FastifyError, FastifyInstance } from 'fastify';
import { DualrecError } from '../core/errors.js';
import type { ErrorBody } from '../protocol/errors.js';

/** Fastify's own error codes that mean "the client sent something wrong", with our code and wording. */
const FASTIFY_CLIENT_ERRORS: Record<string, { code: string; message: (e: FastifyError) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'request.too_large', message: () => 'request body is larger than this endpoint accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'request.bad_content_type', message: (e) => `unsupported content type: ${e.message}` },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'request.empty_json', message: () => 'the JSON body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'request.bad_length', message: () => 'content-length does not match the body' },
  FST_ERR_BAD_URL: { code: 'request.bad_url', message: () => 'the URL is malformed (bad percent-encoding)' },
};

/**
 * Maps every error to `{ error: { code, message } }`: DualrecError with its status, Fastify client
 * errors (malformed JSON, oversized body, wrong content type) to 4xx, anything else to 500 without
 * leaking internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status: number;
    let body: ErrorBody;
    if (err instanceof DualrecError) {
      status = err.status;
      // Server-side failures keep their details (paths, tool output) in the log, not the response.
      body = { error: { code: err.code, message: status < 500 ? err.message : `${err.message.split(':')[0]}; see the server log` } };
      if (status >= 500) req.log.error({ err }, 'request failed');
    } else if (err.code && FASTIFY_CLIENT_ERRORS[err.code]) {
      const known = FASTIFY_CLIENT_ERRORS[err.code]!;
      status = err.statusCode ?? 400;
      body = { error: { code: known.code, message: known.message(err) } };
    } else if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      status = 400;
      body = { error: { code: 'request.malformed_json', message: `the body is not valid JSON: ${err.message}` } };
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      body = { error: { code: `http.${err.statusCode}`, message: err.message } };
    } else {
      status = 500;
      body = { error: { code: 'internal', message: 'internal error; see the server log' } };
      req.log.error({ err }, 'unhandled error');
    }
    if (status < 500) req.log.info({ status, code: body.error.code, msg: body.error.message }, 'request rejected');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'route.not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } } satisfies ErrorBody);
  });
}
