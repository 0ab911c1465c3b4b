import { open } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { genesisLink, nextLink, sha256Hex } from '../../core/chain.js';
import { openSegment, parseSealedSegment } from '../../core/envelope.js';
import { NotFoundError } from '../../core/errors.js';
import { verifyManifestSignature } from '../../core/keys.js';
import { SessionManifest } from '../../protocol/envelope.js';
import type { ServerDb } from '../db/schema.js';
import type { KeyProvider } from '../keys/key-provider.js';
import type { BlobStore } from '../storage/blob-store.js';
import { segmentKey } from '../ingest/views.js';

export interface EvidenceDeps {
  db: Kysely<ServerDb>;
  store: BlobStore;
  keys: KeyProvider;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface EvidenceResult {
  sessionId: string;
  manifest: SessionManifest | null;
  boothPublicKey: string | null;
  checks: Check[];
  /** The problems found, each naming what failed (empty when everything holds). */
  problems: string[];
}

/**
 * Re-checks a finished session from what is stored, trusting nothing but the archive key and the
 * booth's enrolled public key: manifest signature, each stored segment's hash against the
 * manifest, the envelope headers and the hash chain, decryption with authentication and the
 * plaintext hashes. With `joinTo`, writes the decrypted segments, in order, to that file.
 */
export async function verifyEvidence(deps: EvidenceDeps, sessionId: string, opts: { joinTo?: string } = {}): Promise<EvidenceResult> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const result = (manifest: SessionManifest | null, boothPublicKey: string | null): EvidenceResult => ({
    sessionId,
    manifest,
    boothPublicKey,
    checks,
    problems: checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`),
  });

  const s = await deps.db.selectFrom('sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
  if (!s) throw new NotFoundError('session.unknown', `unknown session ${sessionId}`);
  if (!s.manifest_json || !s.signature) {
    add('manifest', false, `session ${sessionId} has no manifest yet (status ${s.status})`);
    return result(null, null);
  }
  const parsed = SessionManifest.safeParse(JSON.parse(s.manifest_json));
  if (!parsed.success) {
    add('manifest', false, 'the stored manifest is not a valid manifest');
    return result(null, null);
  }
  const manifest = parsed.data;
  const booth = await deps.db.selectFrom('booths').select('public_key').where('booth_id', '=', s.booth_id).executeTakeFirstOrThrow();
  const sigOk = verifyManifestSignature(manifest, s.signature, Buffer.from(booth.public_key, 'base64'));
  add('signature', sigOk, sigOk ? `manifest signed by booth ${s.booth_id}` : `the manifest signature does not verify with booth ${s.booth_id}'s key`);

  let key: Buffer | null = null;
  try {
    key = await deps.keys.unwrap(manifest.keyWrap);
    add('key', true, `session key unwrapped with archive key ${deps.keys.keyId.slice(0, 12)}…`);
  } catch (err) {
    add('key', false, (err as Error).message);
  }

  const out = opts.joinTo ? await open(opts.joinTo, 'w') : null;
  try {
    let prev = genesisLink(sessionId);
    let chainOk = manifest.genesisLink === prev;
    let segmentsOk = 0;
    for (const entry of manifest.segments) {
      const name = `segment ${entry.seq}`;
      let bytes: Buffer;
      try {
        bytes = await deps.store.get(segmentKey(sessionId, entry.seq));
      } catch (err) {
        add(name, false, `missing from the archive (${(err as Error).message})`);
        chainOk = false;
        continue;
      }
      const sha = sha256Hex(bytes);
      if (sha !== entry.cipherSha256) {
        add(name, false, `stored file SHA-256 ${sha.slice(0, 16)}… does not match the manifest's ${entry.cipherSha256.slice(0, 16)}…`);
        chainOk = false;
        continue;
      }
      try {
        const { header } = parseSealedSegment(bytes);
        if (header.prevLink !== prev || header.seq !== entry.seq || header.sessionId !== sessionId) {
          add(name, false, 'its header does not continue the chain from the previous segment');
          chainOk = false;
        }
      } catch (err) {
        add(name, false, (err as Error).message);
        chainOk = false;
        continue;
      }
      const link = nextLink(prev, sha);
      if (link !== entry.link) {
        add(name, false, 'its chain link does not match the manifest');
        chainOk = false;
      }
      prev = link;
      if (key) {
        try {
          const { plaintext } = openSegment(key, bytes);
          if (plaintext.length === 0 || sha256Hex(plaintext) !== entry.plainSha256) throw new Error('plaintext hash differs from the manifest');
          await out?.write(plaintext);
          segmentsOk++;
        } catch (err) {
          add(name, false, `decryption failed: ${(err as Error).message}`);
        }
      }
    }
    if (prev !== manifest.finalLink) chainOk = false;
    add('chain', chainOk, chainOk ? `${manifest.segments.length} segments chained from genesis to the final link` : 'the hash chain is broken');
    if (key) add('decrypt', segmentsOk === manifest.segments.length, `${segmentsOk} of ${manifest.segments.length} segments decrypted and matched their plaintext hashes`);
    if (manifest.segments.length === 0) add('media', false, 'the session has no segments');
  } finally {
    await out?.close();
  }
  key?.fill(0);
  return result(manifest, booth.public_key);
}
