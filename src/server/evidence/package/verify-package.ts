import { createPublicKey, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../../core/canonical-json.js';
import { checkAuditExcerpt, checkChain, packageSigningMessage, parseTrailer, verifyEd25519, type PackageCheck } from '../../../core/evidence-package.js';
import { archiveKeyId } from '../../../core/keys.js';
import { SessionManifest } from '../../../protocol/envelope.js';
import { AuditExcerpt, ChainFile, PackageIndex, type PackageMember } from '../../../protocol/evidence-package.js';
import { INDEX_NAME, INDEX_SIG_NAME } from './package-writer.js';
import { readPackage, type ReadMember } from './read-package.js';

export interface PackageReport {
  file: string;
  ok: boolean;
  sessionId: string | null;
  packageId: string | null;
  checks: PackageCheck[];
  problems: string[];
}

/**
 * Checks an evidence package with nothing but the archive's Ed25519 public key: the signature
 * line over every tar byte, the signed index, each member's SHA-256 against it, the booth's
 * manifest signature, the segment hash chain, the decrypted segments against the booth-signed
 * hashes, the recording against the archive record, the audit excerpt's hash chain, and the
 * archive's own verification at export time. Each failure names what broke.
 */
export async function verifyPackage(path: string, archivePublicKey: KeyObject): Promise<PackageReport> {
  const checks: PackageCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const report = (sessionId: string | null, packageId: string | null): PackageReport => {
    const problems = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return { file: path, ok: problems.length === 0, sessionId, packageId, checks, problems };
  };
  if (archivePublicKey.asymmetricKeyType !== 'ed25519') throw new Error('the archive public key must be an Ed25519 key (the archive signing key, not its RSA key)');
  const keyId = archiveKeyId(archivePublicKey.export({ format: 'der', type: 'spki' }));
  const pkg = await readPackage(path);

  // 1. The signature line covers every byte of the tar.
  const trailer = parseTrailer(pkg.trailer);
  if (typeof trailer === 'string') add('package signature', false, trailer);
  else if (trailer.keyId !== keyId) add('package signature', false, `the package is signed by archive key ${trailer.keyId.slice(0, 16)}…, not by the given key ${keyId.slice(0, 16)}…`);
  else {
    const ok = verifyEd25519(packageSigningMessage(pkg.tarSha256, pkg.tarBytes), trailer.signature, archivePublicKey);
    add('package signature', ok, ok ? `all ${pkg.tarBytes} bytes are as the archive signed them (key ${keyId.slice(0, 16)}…)` : `the package bytes are not what the archive signed (SHA-256 of its ${pkg.tarBytes} tar bytes is ${pkg.tarSha256.slice(0, 16)}…)`);
  }
  const byName = new Map<string, ReadMember>();
  const problems = [...pkg.containerProblems];
  for (const m of pkg.members) {
    if (m.type !== 'File') problems.push(`member ${m.name} is a ${m.type}, not a file`);
    if (byName.has(m.name)) problems.push(`member ${m.name} appears twice`);
    byName.set(m.name, m);
  }
  add('container', problems.length === 0, problems.length === 0 ? `a well-formed tar of ${pkg.members.length} files` : `the tar is damaged: ${problems.slice(0, 3).join('; ')}`);

  // 2. The index, signed by the archive.
  const indexMember = byName.get(INDEX_NAME);
  const sigMember = byName.get(INDEX_SIG_NAME);
  if (!indexMember?.data || !sigMember?.data) {
    add('index', false, `${INDEX_NAME} or ${INDEX_SIG_NAME} is missing`);
    return report(null, null);
  }
  const sigOk = verifyEd25519(indexMember.data, sigMember.data, archivePublicKey);
  add('index signature', sigOk, sigOk ? `${INDEX_NAME} is signed by the archive` : `${INDEX_NAME}: the archive signature over the index does not verify (index or ${INDEX_SIG_NAME} altered)`);
  const parsedIndex = PackageIndex.safeParse(parseJson(indexMember.data));
  if (!parsedIndex.success) {
    add('index', false, `${INDEX_NAME} is not a valid package index`);
    return report(null, null);
  }
  const index = parsedIndex.data;
  if (index.archiveSigningKeyId !== keyId) add('index', false, `${INDEX_NAME} names archive key ${index.archiveSigningKeyId.slice(0, 16)}…, not the given key`);

  // 3. Every member against the index, and nothing else in the package.
  const listed = new Map(index.members.map((m) => [m.name, m]));
  const before = checks.length;
  if (listed.size !== index.members.length) add('members', false, `${INDEX_NAME} lists a member twice`);
  for (const m of index.members) {
    const got = byName.get(m.name);
    if (!got) add(m.name, false, 'missing from the package');
    else if (got.sha256 !== m.sha256 || got.size !== m.bytes) add(m.name, false, `SHA-256 ${got.sha256.slice(0, 16)}… (${got.size} bytes) does not match the index (${m.sha256.slice(0, 16)}…, ${m.bytes} bytes)`);
  }
  for (const name of byName.keys()) if (!listed.has(name) && name !== INDEX_NAME && name !== INDEX_SIG_NAME) add(name, false, 'is in the package but not in the index');
  if (checks.length === before) add('members', true, `${index.members.length} files match their SHA-256 in the index`);

  const member = (role: PackageMember['role']) => index.members.find((m) => m.role === role);
  const dataOf = (role: PackageMember['role']) => {
    const m = member(role);
    return m ? (byName.get(m.name)?.data ?? null) : null;
  };

  // 4. The booth's signature over the manifest, and the chain it commits to.
  const manifestBytes = dataOf('manifest');
  const manifestParsed = manifestBytes ? SessionManifest.safeParse(parseJson(manifestBytes)) : null;
  const manifest = manifestParsed?.success ? manifestParsed.data : null;
  const boothPem = dataOf('booth-public-key');
  const boothSig = dataOf('manifest-signature');
  const boothKey = publicKeyOrNull(boothPem);
  if (!manifest || !manifestBytes) add('manifest signature', false, 'session/manifest.json is missing or not a valid session manifest');
  else if (canonicalJson(manifest) !== manifestBytes.toString('utf8')) add('manifest signature', false, 'session/manifest.json is not in the canonical form the booth signs');
  else if (manifest.sessionId !== index.sessionId) add('manifest signature', false, `the manifest is for session ${manifest.sessionId}, the package for ${index.sessionId}`);
  else if (!boothKey || boothKey.asymmetricKeyType !== 'ed25519' || !boothSig) add('manifest signature', false, 'session/booth-public-key.pem or session/manifest.sig is missing or not an Ed25519 key/signature');
  else {
    const ok = verifyEd25519(manifestBytes, boothSig, boothKey);
    add('manifest signature', ok, ok ? `the manifest is signed by booth ${manifest.boothId}` : `the booth signature over the manifest does not verify with booth ${manifest.boothId}'s key`);
  }
  if (manifest) {
    const chain = ChainFile.safeParse(parseJson(dataOf('chain')));
    checks.push(chain.success ? checkChain(chain.data, manifest) : { name: 'chain', ok: false, detail: 'chain/segments.json is missing or malformed' });
    checkSegments(add, index.members, byName, manifest);
    checkRecording(add, index.members, byName, dataOf('archive-record'), manifest, boothSig, boothKey);
  }

  // 5. The audit excerpt re-hashes into the audit chain and records this export.
  const excerpt = AuditExcerpt.safeParse(parseJson(dataOf('audit-excerpt')));
  checks.push(excerpt.success ? checkAuditExcerpt(excerpt.data, `session:${index.sessionId}`, index.packageId) : { name: 'audit excerpt', ok: false, detail: 'audit/excerpt.json is missing or malformed' });

  // 6. What the archive found when it exported (decryption, decode, duration).
  const server = parseJson(dataOf('verification-report')) as { ok?: unknown; problems?: unknown } | null;
  if (!server || typeof server.ok !== 'boolean') add('archive verification', false, 'report/verification.json is missing or malformed');
  else add('archive verification', server.ok, server.ok ? 'the archive verified the session when it exported it (decryption, decode, duration)' : `the archive found problems when it exported: ${JSON.stringify(server.problems)}`);
  return report(index.sessionId, index.packageId);
}

type Add = (name: string, ok: boolean, detail: string) => void;

/** Decrypted segments, when included: one per manifest segment, each with the plaintext SHA-256 the booth signed. */
function checkSegments(add: Add, members: PackageMember[], byName: Map<string, ReadMember>, manifest: SessionManifest): void {
  const segs = members.filter((m) => m.role === 'segment-plaintext');
  if (segs.length === 0) {
    add('segments', true, 'decrypted segments are not included');
    return;
  }
  const bad: string[] = [];
  if (segs.length !== manifest.segments.length) bad.push(`${segs.length} decrypted segments for ${manifest.segments.length} in the manifest`);
  for (const m of manifest.segments) {
    const entry = segs.find((s) => s.seq === m.seq);
    const got = entry ? byName.get(entry.name) : undefined;
    if (!entry || !got) bad.push(`segment ${m.seq} is missing`);
    else if (got.sha256 !== m.plainSha256) bad.push(`${entry.name}: SHA-256 ${got.sha256.slice(0, 16)}… is not the ${m.plainSha256.slice(0, 16)}… the booth signed`);
  }
  add('segments', bad.length === 0, bad.length === 0 ? `${segs.length} decrypted segments match the SHA-256 the booth signed` : bad.slice(0, 3).join('; '));
}

/** The recording is the one the archive record names, and the record is about this manifest, signature and booth key. */
function checkRecording(add: Add, members: PackageMember[], byName: Map<string, ReadMember>, recordBytes: Buffer | null, manifest: SessionManifest, boothSig: Buffer | null, boothKey: KeyObject | null): void {
  const rec = parseJson(recordBytes) as { sessionId?: unknown; manifest?: unknown; signature?: unknown; boothPublicKey?: unknown; recording?: { sha256?: unknown } } | null;
  const mp4 = members.find((m) => m.role === 'recording');
  const got = mp4 ? byName.get(mp4.name) : undefined;
  const bad: string[] = [];
  if (!rec) bad.push('session/record.json is missing or malformed');
  else {
    if (rec.sessionId !== manifest.sessionId) bad.push('the archive record is for another session');
    if (canonicalJson(rec.manifest ?? null) !== canonicalJson(manifest)) bad.push('the archive record holds a different manifest');
    if (!boothSig || rec.signature !== boothSig.toString('base64')) bad.push('the archive record holds a different booth signature');
    if (!boothKey || rec.boothPublicKey !== boothKey.export({ format: 'der', type: 'spki' }).toString('base64')) bad.push('the archive record names a different booth key');
    if (!got) bad.push('recording/recording.mp4 is missing');
    else if (rec.recording?.sha256 !== got.sha256) bad.push(`recording/recording.mp4 SHA-256 ${got.sha256.slice(0, 16)}… is not the one in the archive record`);
  }
  add('recording', bad.length === 0, bad.length === 0 ? `recording.mp4 (SHA-256 ${got!.sha256.slice(0, 16)}…) is the one the archive recorded for this manifest` : bad.join('; '));
}

function publicKeyOrNull(pem: Buffer | null): KeyObject | null {
  if (!pem) return null;
  try {
    return createPublicKey(pem);
  } catch {
    return null;
  }
}

function parseJson(data: Buffer | null): unknown {
  if (!data) return null;
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
