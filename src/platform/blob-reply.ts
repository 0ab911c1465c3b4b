import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseRange, type ByteRange } from '../core/byte-range.js';

/** True when an If-None-Match header names `etag` (or is `*`); weak and strong forms both count. */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return false;
  return value.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === `"${etag}"`;
  });
}

/**
 * Answers a GET for an immutable blob named by its SHA-256: 304 when the client has it, 416 for a
 * range past its end, 206 for one satisfiable range (when `open` can serve ranges), else 200.
 * Immutable: caches may keep it for a year.
 */
export async function sendImmutableBlob(
  req: FastifyRequest,
  reply: FastifyReply,
  blob: { sha256: string; bytes: number; mime: string },
  open: (range: ByteRange | null) => Promise<{ stream: Readable; range: ByteRange | null }>,
): Promise<FastifyReply> {
  void reply
    .header('etag', `"${blob.sha256}"`)
    .header('cache-control', 'private, max-age=31536000, immutable')
    .header('accept-ranges', 'bytes')
    .header('x-content-type-options', 'nosniff');
  if (etagMatches(req.headers['if-none-match'], blob.sha256)) return reply.code(304).send();
  const wanted = parseRange(req.headers.range, blob.bytes);
  if (wanted === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${blob.bytes}`).send({ error: { code: 'content.bad_range', message: `the range is outside the ${blob.bytes} bytes of this content` } });
  }
  const { stream, range } = await open(wanted);
  void reply.header('content-type', blob.mime);
  if (range) {
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${blob.bytes}`)
      .header('content-length', String(range.end - range.start + 1))
      .send(stream);
  }
  return reply.code(200).header('content-length', String(blob.bytes)).send(stream);
}
