import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SegmentHeader } from '../protocol/envelope.js';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './chain.js';
import { describeIssues, IntegrityError } from './errors.js';

/**
 * Sealed segment file format, version 1:
 *
 *   magic  "DRSEGv1\n"           8 bytes
 *   hlen   uint32 big-endian      4 bytes, length of the header
 *   header canonical JSON         hlen bytes, a SegmentHeader (in clear)
 *   body   AES-256-GCM ciphertext header.plainBytes bytes
 *   tag    GCM tag                16 bytes
 *
 * The associated data is everything before the body (magic, hlen, header), so the header cannot be
 * altered without failing authentication. Nonces are 96 random bits, unique per segment.
 */
export const SEGMENT_MAGIC = Buffer.from('DRSEGv1\n', 'ascii');
const TAG_BYTES = 16;
const MAX_HEADER_BYTES = 64 * 1024;
export const DATA_KEY_BYTES = 32;

export type SegmentHeaderInput = Omit<SegmentHeader, 'v' | 'nonce' | 'plainSha256' | 'plainBytes'>;

export interface SealedSegment {
  header: SegmentHeader;
  /** The whole sealed file. */
  bytes: Buffer;
  cipherSha256: string;
}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

export function checkKey(key: Uint8Array): void {
  if (key.length !== DATA_KEY_BYTES) throw new IntegrityError('envelope.bad_key', `data key must be ${DATA_KEY_BYTES} bytes, got ${key.length}`);
}

/**
 * The header of a segment about to be sealed, and the associated data (magic, hlen, header) it
 * becomes: the start of the sealed file, followed by AES-256-GCM(plaintext) and the tag.
 */
export function segmentHead(input: SegmentHeaderInput, nonce: Uint8Array, plainSha256: string, plainBytes: number): { header: SegmentHeader; aad: Buffer } {
  const header: SegmentHeader = SegmentHeader.parse({ v: 1, ...input, nonce: Buffer.from(nonce).toString('base64'), plainSha256, plainBytes });
  const headerBytes = Buffer.from(canonicalJson(header), 'utf8');
  const hlen = Buffer.alloc(4);
  hlen.writeUInt32BE(headerBytes.length);
  return { header, aad: Buffer.concat([SEGMENT_MAGIC, hlen, headerBytes]) };
}

/** Encrypts one segment's plaintext under the session data key, on this thread. */
export function sealSegment(key: Uint8Array, input: SegmentHeaderInput, plaintext: Uint8Array, opts: { nonce?: Uint8Array } = {}): SealedSegment {
  checkKey(key);
  const nonce = opts.nonce ?? randomBytes(12);
  const { header, aad } = segmentHead(input, nonce, sha256Hex(plaintext), plaintext.length);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const bytes = Buffer.concat([aad, body, cipher.getAuthTag()]);
  return { header, bytes, cipherSha256: sha256Hex(bytes) };
}

export interface ParsedSegment {
  header: SegmentHeader;
  aad: Buffer;
  body: Buffer;
  tag: Buffer;
}

/** Parses a sealed file's structure and header without decrypting. Throws IntegrityError naming the problem. */
export function parseSealedSegment(bytes: Buffer): ParsedSegment {
  if (bytes.length < SEGMENT_MAGIC.length + 4 + TAG_BYTES || !bytes.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    throw new IntegrityError('segment.bad_format', 'not a dualrec sealed segment (bad magic or too short)');
  }
  const hlen = bytes.readUInt32BE(SEGMENT_MAGIC.length);
  const headerStart = SEGMENT_MAGIC.length + 4;
  if (hlen === 0 || hlen > MAX_HEADER_BYTES || headerStart + hlen + TAG_BYTES > bytes.length) {
    throw new IntegrityError('segment.bad_format', `sealed segment header length ${hlen} is out of range`);
  }
  const headerText = bytes.subarray(headerStart, headerStart + hlen).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(headerText);
  } catch {
    throw new IntegrityError('segment.bad_header', 'sealed segment header is not valid JSON');
  }
  const parsed = SegmentHeader.safeParse(raw);
  if (!parsed.success) throw new IntegrityError('segment.bad_header', `sealed segment header is invalid: ${describeIssues(parsed.error.issues)}`);
  const header = parsed.data;
  if (canonicalJson(header) !== headerText) throw new IntegrityError('segment.bad_header', 'sealed segment header is not in canonical form');
  const bodyStart = headerStart + hlen;
  const expected = bodyStart + header.plainBytes + TAG_BYTES;
  if (bytes.length !== expected) {
    throw new IntegrityError('segment.bad_length', `sealed segment ${header.seq} is ${bytes.length} bytes, its header says ${expected}`);
  }
  return {
    header,
    aad: bytes.subarray(0, bodyStart),
    body: bytes.subarray(bodyStart, bodyStart + header.plainBytes),
    tag: bytes.subarray(bodyStart + header.plainBytes),
  };
}

/** Decrypts and authenticates a sealed segment; checks the plaintext hash. */
export function openSegment(key: Uint8Array, bytes: Buffer): { header: SegmentHeader; plaintext: Buffer } {
  checkKey(key);
  const { header, aad, body, tag } = parseSealedSegment(bytes);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.nonce, 'base64'), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (cause) {
    throw new IntegrityError('segment.auth_failed', `segment ${header.seq} failed authentication (altered or wrong key)`, undefined, { cause });
  }
  if (sha256Hex(plaintext) !== header.plainSha256) {
    throw new IntegrityError('segment.plain_hash', `segment ${header.seq} plaintext does not match its recorded hash`);
  }
  return { header, plaintext };
}
