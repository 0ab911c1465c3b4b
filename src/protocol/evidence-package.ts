import { z } from 'zod';
import { AuditEntry } from './audit.js';
import { IsoTime, SegmentSeq, SessionId, Sha256Hex } from './ids.js';

/**
 * The evidence package: ONE file, an uncompressed POSIX tar of the members below followed by a
 * fixed-length signature line (PACKAGE_TRAILER) in which the archive signs the SHA-256 of every
 * tar byte before it. `dualrec verify <file> --archive-public-key <pem>` checks it with nothing
 * but the archive's Ed25519 public key; any tar tool extracts it, and `dualrec/index.json` with
 * `dualrec/index.sig` and `session/manifest.json` with `session/manifest.sig` can be checked by
 * hand with openssl (see the package's README.txt).
 */
export const PACKAGE_FORMAT = 'dualrec-evidence-package';

/** Member names: lowercase path parts, no dot-dot, no leading slash. */
export const MemberName = z
  .string()
  .max(99)
  .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, 'a package member name is lowercase path parts without .. or a leading /')
  .refine((n) => !n.split('/').includes('..'), 'a package member name has no .. part');

export const MemberRole = z.enum([
  'readme',
  'manifest',
  'manifest-signature',
  'booth-public-key',
  'archive-record',
  'chain',
  'recording',
  'segment-plaintext',
  'derived',
  'audit-excerpt',
  'verification-report',
]);
export type MemberRole = z.infer<typeof MemberRole>;

export const PackageMember = z.strictObject({
  name: MemberName,
  role: MemberRole,
  sha256: Sha256Hex,
  bytes: z.number().int().min(0),
  /** For segment-plaintext: the segment's seq. */
  seq: SegmentSeq.optional(),
});
export type PackageMember = z.infer<typeof PackageMember>;

/** dualrec/index.json: what the archive vouches for, signed in dualrec/index.sig. */
export const PackageIndex = z.strictObject({
  format: z.literal(PACKAGE_FORMAT),
  v: z.literal(1),
  packageId: z.uuid(),
  sessionId: SessionId,
  createdAt: IsoTime,
  /** Audit actor that exported it (`staff:<id>` or `system`). */
  createdBy: z.string().max(240),
  /** SHA-256 of the archive signing public key (SPKI DER). */
  archiveSigningKeyId: Sha256Hex,
  members: z.array(PackageMember).min(1).max(200_000),
});
export type PackageIndex = z.infer<typeof PackageIndex>;

/** chain/segments.json: the session's segment hash chain as the archive received it. */
export const ChainFile = z.strictObject({
  sessionId: SessionId,
  genesisLink: Sha256Hex,
  finalLink: Sha256Hex,
  segments: z
    .array(
      z.strictObject({
        seq: SegmentSeq,
        cipherSha256: Sha256Hex,
        plainSha256: Sha256Hex,
        prevLink: Sha256Hex,
        link: Sha256Hex,
        bytes: z.number().int().min(0),
      }),
    )
    .max(100_000),
});
export type ChainFile = z.infer<typeof ChainFile>;

/** An undisclosed entry inside an excerpt run: enough to carry the chain across it. */
export const ExcerptHash = z.strictObject({ seq: z.number().int().min(1), contentSha256: Sha256Hex });

/**
 * audit/excerpt.json: the audit entries about one session, each run of them with the content
 * hashes of the (undisclosed) entries in between, so every run re-hashes into one unbroken piece
 * of the chain. A gap of more than `maxGap` entries starts a new run.
 */
export const AuditExcerpt = z.strictObject({
  v: z.literal(1),
  target: z.string(),
  maxGap: z.number().int().min(0),
  /** The chain head when the excerpt was made; the last run reaches it when the gap allows. */
  head: z.strictObject({ seq: z.number().int().min(1), entryHash: Sha256Hex }),
  runs: z
    .array(z.array(z.union([z.strictObject({ entry: AuditEntry }), ExcerptHash])).min(1))
    .min(1)
    .max(100_000),
});
export type AuditExcerpt = z.infer<typeof AuditExcerpt>;

/** The signature line after the tar: magic, key id, base64 Ed25519 signature, newline. */
export const PACKAGE_TRAILER_MAGIC = '\nDUALREC-PACKAGE-SIGNATURE-V1 ';
/** 30 + 64 + 1 + 88 + 1 bytes. */
export const PACKAGE_TRAILER_BYTES = PACKAGE_TRAILER_MAGIC.length + 64 + 1 + 88 + 1;
