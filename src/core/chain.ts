import { createHash } from 'node:crypto';

/**
 * The segment hash chain. Each segment's link commits to the previous link and to the SHA-256 of the
 * whole sealed segment file (whose authenticated header carries the sequence number, the plaintext
 * hash and the previous link), so removing, reordering or altering any segment breaks every later link.
 */
const GENESIS_TAG = 'dualrec-chain-genesis-v1';
const LINK_TAG = 'dualrec-chain-link-v1';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The link that segment 0 names as its predecessor. */
export function genesisLink(sessionId: string): string {
  return sha256Hex(`${GENESIS_TAG}\n${sessionId}`);
}

/** The link of a segment, from its predecessor's link and the SHA-256 of its sealed bytes. */
export function nextLink(prevLink: string, cipherSha256: string): string {
  return sha256Hex(`${LINK_TAG}\n${prevLink}\n${cipherSha256}`);
}

export interface ChainEntry {
  seq: number;
  prevLink: string;
  cipherSha256: string;
  link: string;
}

/**
 * Checks a whole chain. Returns null when it holds, else the first broken entry and why.
 * Entries must be in sequence order starting at 0.
 */
export function findChainBreak(sessionId: string, entries: readonly ChainEntry[]): { seq: number; reason: string } | null {
  let prev = genesisLink(sessionId);
  for (const [i, e] of entries.entries()) {
    if (e.seq !== i) return { seq: e.seq, reason: `expected segment ${i} at this position, found ${e.seq}` };
    if (e.prevLink !== prev) return { seq: e.seq, reason: `segment ${e.seq} does not link to segment ${i - 1}` };
    const link = nextLink(prev, e.cipherSha256);
    if (link !== e.link) return { seq: e.seq, reason: `segment ${e.seq} link does not match its content` };
    prev = link;
  }
  return null;
}
