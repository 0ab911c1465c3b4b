import { z } from 'zod';

/** Session ids are UUIDs chosen by the booth, so a booth can start a session while offline. */
export const SessionId = z.uuid({ message: 'session id must be a UUID' });
export type SessionId = z.infer<typeof SessionId>;

/** Booth ids are UUIDs issued by the server at enrollment. */
export const BoothId = z.uuid({ message: 'booth id must be a UUID' });
export type BoothId = z.infer<typeof BoothId>;

/** Segment sequence numbers start at 0 and have no gaps within a session. */
export const SegmentSeq = z
  .number({ message: 'segment sequence must be a number' })
  .int('segment sequence must be an integer')
  .min(0, 'segment sequence must be >= 0')
  .max(1_000_000, 'segment sequence must be <= 1000000');

/** A segment sequence number in a URL: plain decimal digits only (no sign, exponent, hex or fraction). */
export const SegmentSeqParam = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,6})$/, 'segment sequence must be a whole number from 0 to 1000000 in decimal digits')
  .transform(Number)
  .pipe(SegmentSeq);

/** Lower-case hex SHA-256 digest. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256 digest (64 characters)');
export type Sha256Hex = z.infer<typeof Sha256Hex>;

export const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');

/** A whole number in a query string or path: plain decimal digits, within [min, max]. */
export const IntParam = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, `${what} must be a whole number in decimal digits`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${what} must be >= ${min}`).max(max, `${what} must be <= ${max}`));

/** The name of a stored file of an archived session, as the session view lists it (recording.mp4, record.json, <kind>.<ext>). */
export const SessionFileName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}\.[A-Za-z0-9]{1,8}$/, 'file name must be one the session lists (recording.mp4, record.json, <kind>.<ext>)');

/** An ISO-8601 UTC timestamp as produced by Date.prototype.toISOString(). */
export const IsoTime = z.iso.datetime({ message: 'must be an ISO-8601 UTC timestamp' });

/** A product id as sessions and manifests carry it. */
export const ProductId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'product id must be 1-64 letters, digits, dot, dash or underscore');
