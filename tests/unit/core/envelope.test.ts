import { describe, expect, it } from 'vitest';
import { genesisLink } from '../../../src/core/chain.js';
import { newDataKey, openSegment, parseSealedSegment, sealSegment, type SegmentHeaderInput } from '../../../src/core/envelope.js';
import { IntegrityError } from '../../../src/core/errors.js';

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const BID = '0b8e2a44-3f5e-4a8b-8a9b-7c1d2e3f4a5b';
const input: SegmentHeaderInput = {
  sessionId: SID,
  boothId: BID,
  seq: 3,
  prevLink: genesisLink(SID),
  startSec: 12,
  durationSec: 4,
  container: 'mpegts',
  recordedAt: '2026-11-21T10:00:00.000Z',
};

describe('sealed segment envelope', () => {
  const key = newDataKey();
  const plaintext = Buffer.from('pretend this is MPEG-TS '.repeat(1000));

  it('round-trips and hides the plaintext', () => {
    const sealed = sealSegment(key, input, plaintext);
    expect(sealed.bytes.includes(plaintext.subarray(0, 48))).toBe(false);
    const opened = openSegment(key, sealed.bytes);
    expect(opened.plaintext.equals(plaintext)).toBe(true);
    expect(opened.header).toMatchObject({ seq: 3, sessionId: SID, boothId: BID, plainBytes: plaintext.length });
  });

  it('uses a fresh nonce per segment', () => {
    const a = sealSegment(key, input, plaintext);
    const b = sealSegment(key, input, plaintext);
    expect(a.header.nonce).not.toBe(b.header.nonce);
    expect(a.cipherSha256).not.toBe(b.cipherSha256);
  });

  it('rejects a flipped body byte', () => {
    const sealed = sealSegment(key, input, plaintext);
    const bytes = Buffer.from(sealed.bytes);
    bytes[bytes.length - 100]! ^= 0x01;
    expect(() => openSegment(key, bytes)).toThrow(/segment 3 failed authentication/);
  });

  it('rejects an altered header (bound as associated data)', () => {
    const sealed = sealSegment(key, input, plaintext);
    const text = sealed.bytes.toString('latin1').replace('"startSec":12', '"startSec":13');
    expect(() => openSegment(key, Buffer.from(text, 'latin1'))).toThrow(IntegrityError);
  });

  it('rejects the wrong key', () => {
    const sealed = sealSegment(key, input, plaintext);
    expect(() => openSegment(newDataKey(), sealed.bytes)).toThrow(/failed authentication/);
  });

  it('rejects truncation and garbage with a clear message', () => {
    const sealed = sealSegment(key, input, plaintext);
    expect(() => parseSealedSegment(sealed.bytes.subarray(0, sealed.bytes.length - 1))).toThrow(/header says/);
    expect(() => parseSealedSegment(Buffer.from('hello world, not a segment'))).toThrow(/not a dualrec sealed segment/);
    const badLen = Buffer.from(sealed.bytes);
    badLen.writeUInt32BE(0xffffff, 8);
    expect(() => parseSealedSegment(badLen)).toThrow(/header length/);
  });

  it('refuses keys of the wrong size', () => {
    expect(() => sealSegment(Buffer.alloc(16), input, plaintext)).toThrow(/32 bytes/);
  });
});
