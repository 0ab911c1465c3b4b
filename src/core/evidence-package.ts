import { verify, type KeyObject } from 'node:crypto';
import type { SessionManifest } from '../protocol/envelope.js';
import { PACKAGE_TRAILER_BYTES, PACKAGE_TRAILER_MAGIC, type AuditExcerpt, type ChainFile } from '../protocol/evidence-package.js';
import { walkAuditChain, type AuditChainItem } from './audit-chain.js';
import { genesisLink, nextLink } from './chain.js';

/** What the package trailer signs: the SHA-256 and length of every tar byte before it. */
export function packageSigningMessage(tarSha256: string, tarBytes: number): Buffer {
  return Buffer.from(`dualrec-package-v1\n${tarSha256}\n${tarBytes}\n`, 'utf8');
}

export function formatTrailer(keyId: string, signature: Uint8Array): Buffer {
  const line = Buffer.from(`${PACKAGE_TRAILER_MAGIC}${keyId} ${Buffer.from(signature).toString('base64')}\n`, 'utf8');
  if (line.length !== PACKAGE_TRAILER_BYTES) throw new Error(`package trailer is ${line.length} bytes, expected ${PACKAGE_TRAILER_BYTES}`);
  return line;
}

/** Parses the fixed-length trailer strictly (canonical base64 only); a string says what is wrong. */
export function parseTrailer(buf: Buffer): { keyId: string; signature: Buffer } | string {
  if (buf.length !== PACKAGE_TRAILER_BYTES) return `the file is too short to end in a package signature (${buf.length} bytes)`;
  const text = buf.toString('latin1');
  const m = /^\nDUALREC-PACKAGE-SIGNATURE-V1 ([0-9a-f]{64}) ([A-Za-z0-9+/]{86}==)\n$/.exec(text);
  if (!text.startsWith(PACKAGE_TRAILER_MAGIC) || !m) return 'the file does not end in a well-formed dualrec package signature line';
  const signature = Buffer.from(m[2]!, 'base64');
  if (signature.length !== 64 || signature.toString('base64') !== m[2]) return 'the package signature is not canonical base64 of 64 bytes';
  return { keyId: m[1]!, signature };
}

export function verifyEd25519(data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  try {
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

export interface PackageCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The chain file agrees with the booth-signed manifest, and the links re-hash from genesis to the final link. */
export function checkChain(chain: ChainFile, manifest: SessionManifest): PackageCheck {
  const fail = (detail: string): PackageCheck => ({ name: 'chain', ok: false, detail });
  if (chain.sessionId !== manifest.sessionId) return fail(`chain/segments.json is for session ${chain.sessionId}, the manifest for ${manifest.sessionId}`);
  let prev = genesisLink(manifest.sessionId);
  if (manifest.genesisLink !== prev || chain.genesisLink !== prev) return fail('the genesis link is not the one of this session id');
  if (chain.segments.length !== manifest.segments.length) return fail(`chain/segments.json lists ${chain.segments.length} segments, the manifest ${manifest.segments.length}`);
  for (const [i, m] of manifest.segments.entries()) {
    const c = chain.segments[i]!;
    if (m.seq !== i) return fail(`manifest segment at position ${i} has seq ${m.seq}`);
    if (c.seq !== m.seq || c.cipherSha256 !== m.cipherSha256 || c.plainSha256 !== m.plainSha256 || c.link !== m.link || c.bytes !== m.bytes) return fail(`segment ${i} in chain/segments.json differs from the manifest`);
    if (c.prevLink !== prev) return fail(`segment ${i} does not link to segment ${i - 1}`);
    const link = nextLink(prev, m.cipherSha256);
    if (link !== m.link) return fail(`segment ${i}'s link does not re-hash from its predecessor and its SHA-256`);
    prev = link;
  }
  if (prev !== manifest.finalLink || chain.finalLink !== manifest.finalLink) return fail('the last link is not the manifest\'s final link');
  return { name: 'chain', ok: true, detail: `${manifest.segments.length} segments re-hash from the genesis link to the manifest's final link` };
}

/**
 * Every run of the excerpt re-hashes into an unbroken piece of the audit chain; the disclosed
 * entries are all about `target`; the last run ends at the recorded head when it reaches it; and
 * the export that made this package is in it.
 */
export function checkAuditExcerpt(ex: AuditExcerpt, target: string, packageId: string): PackageCheck {
  const fail = (detail: string): PackageCheck => ({ name: 'audit excerpt', ok: false, detail });
  if (ex.target !== target) return fail(`the excerpt is about ${ex.target}, not ${target}`);
  let after = 0;
  let entries = 0;
  let exported = false;
  let lastHash = '';
  let lastSeq = 0;
  for (const [r, run] of ex.runs.entries()) {
    const first = run[0]!;
    if (!('entry' in first)) return fail(`run ${r + 1} does not start with a disclosed entry`);
    if (first.entry.seq <= after) return fail(`run ${r + 1} overlaps or precedes the run before it`);
    const items: AuditChainItem[] = run.map((i) => ('entry' in i ? { kind: 'entry', entry: i.entry } : { kind: 'hash', seq: i.seq, contentSha256: i.contentSha256 }));
    const walked = walkAuditChain({ seq: first.entry.seq, prevHash: first.entry.prevHash }, items);
    if (walked.broken) return fail(`audit entry ${walked.broken.seq}: ${walked.broken.reason}`);
    for (const i of run) {
      if (!('entry' in i)) continue;
      entries++;
      if (i.entry.target !== target) return fail(`disclosed audit entry ${i.entry.seq} is about ${i.entry.target}, not ${target}`);
      if (i.entry.action === 'evidence.export' && i.entry.details.packageId === packageId) exported = true;
    }
    after = walked.nextSeq - 1;
    lastSeq = after;
    lastHash = walked.lastHash;
  }
  if (lastSeq === ex.head.seq && lastHash !== ex.head.entryHash) return fail(`the chain re-hashes to a different head at entry ${lastSeq}`);
  if (lastSeq > ex.head.seq) return fail('the excerpt goes past the head it names');
  if (!exported) return fail('the export of this package is not in the excerpt');
  return { name: 'audit excerpt', ok: true, detail: `${entries} entries about ${target} in ${ex.runs.length} unbroken run(s) of the audit chain${lastSeq === ex.head.seq ? `, up to the head at entry ${ex.head.seq}` : ''}, including this export` };
}
