import { z } from 'zod';
import { IsoTime, Sha256Hex } from './ids.js';
import { ConfirmationPhrase, ConfirmationPhraseInput, PhraseId } from './keywords.js';
import { RetentionClass } from './retention.js';

/**
 * The product catalogue: products, their versioned risk-disclosure content and the confirmation
 * phrases the customer must say. A version is edited only while it is a draft; once published it
 * never changes (a change is a new version): draft -> published -> retired. Booths fetch the
 * published snapshot and the content blobs it names (content-addressed by SHA-256) and play from
 * their cache when offline.
 */

/** A product id: a lowercase slug, also valid as a session's product id. */
export const ProductSlug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'a product id is 1-64 lowercase letters, digits or inner dashes, e.g. wm-steady-365');
export type ProductSlug = z.infer<typeof ProductSlug>;

/** `active` products are offered at booths (their published version); `withdrawn` ones are not. */
export const ProductStatus = z.enum(['active', 'withdrawn']);
export type ProductStatus = z.infer<typeof ProductStatus>;

/** True when `s` holds no control character (C0, DEL): no line breaks, tabs or NULs. */
export function noControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

const Line = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(noControlChars, 'must be one line without control characters');

/** A product name in Chinese (shown by default) and English. */
export const ProductName = z.strictObject({ zh: Line(200), en: Line(200) });

/** Text in Chinese with an optional English translation (kiosk language en). */
export const LocalizedLine = z.strictObject({ zh: Line(200), en: Line(200).optional() });
export const LocalizedBody = z.strictObject({
  zh: z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters'),
  en: z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20000 characters').optional(),
});

export const Product = z.strictObject({
  id: ProductSlug,
  name: ProductName,
  retentionClass: RetentionClass,
  status: ProductStatus,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Product = z.infer<typeof Product>;

export const CreateProductRequest = z.strictObject({ id: ProductSlug, name: ProductName, retentionClass: RetentionClass });
export type CreateProductRequest = z.infer<typeof CreateProductRequest>;

export const UpdateProductRequest = z
  .strictObject({ name: ProductName.optional(), retentionClass: RetentionClass.optional(), status: ProductStatus.optional() })
  .refine((v) => v.name !== undefined || v.retentionClass !== undefined || v.status !== undefined, 'name, retentionClass or status must be given');
export type UpdateProductRequest = z.infer<typeof UpdateProductRequest>;

// ---- content blobs -------------------------------------------------------------------------

export const ContentKind = z.enum(['video', 'audio', 'image']);
export type ContentKind = z.infer<typeof ContentKind>;

/** The media types accepted for each kind (what the kiosk's Chromium plays). */
export const CONTENT_MIME = {
  video: ['video/mp4', 'video/webm'],
  audio: ['audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/wav', 'audio/webm'],
  image: ['image/png', 'image/jpeg', 'image/webp'],
} as const satisfies Record<ContentKind, readonly string[]>;

export const ContentMime = z.enum([...CONTENT_MIME.video, ...CONTENT_MIME.audio, ...CONTENT_MIME.image]);
export type ContentMime = z.infer<typeof ContentMime>;

/** Largest blob of each kind, bytes. */
export const MAX_CONTENT_BYTES: Readonly<Record<ContentKind, number>> = { video: 512 * 1024 * 1024, audio: 64 * 1024 * 1024, image: 16 * 1024 * 1024 };

/** The kind a media type belongs to. */
export function contentKindOf(mime: ContentMime): ContentKind {
  for (const kind of ContentKind.options) if ((CONTENT_MIME[kind] as readonly string[]).includes(mime)) return kind;
  throw new Error(`unreachable: ${mime} has no kind`);
}

/** A reference to a stored content blob, as a version names it. */
export const ContentRef = z.strictObject({
  sha256: Sha256Hex,
  bytes: z.number().int().min(1).max(MAX_CONTENT_BYTES.video),
  mime: ContentMime,
});
export type ContentRef = z.infer<typeof ContentRef>;

/** What the server knows of a stored blob (PUT answer, listing). */
export const ContentInfo = z.strictObject({
  sha256: Sha256Hex,
  bytes: z.number().int().min(1),
  mime: ContentMime,
  kind: ContentKind,
  /** Media duration measured with ffprobe (video, audio); null for images. */
  durationSec: z.number().min(0).nullable(),
  uploadedAt: IsoTime,
});
export type ContentInfo = z.infer<typeof ContentInfo>;

/** Header naming a blob's SHA-256 on download (the URL also does). */
export const CONTENT_SHA256_HEADER = 'x-dualrec-sha256';

// ---- confirmation phrases and keyword spotting ----------------------------------------------

// Schemas in ./keywords.ts, re-exported here: the catalogue is one import for its users.
export { ConfirmationPhrase, ConfirmationPhraseInput, KeywordSpelling, KeywordToken, PhraseId, PINYIN_INITIALS, keywordLine } from './keywords.js';

// ---- disclosure steps and versions ----------------------------------------------------------

export const StepId = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, 'a step id is 1-32 lowercase letters, digits or inner dashes');

const StepCommon = {
  /** Stable within the version; the session timeline names steps by it. */
  id: StepId,
  title: LocalizedLine,
  /**
   * Seconds the step must stay on screen before the flow may go on. Video and audio are always
   * played to their end without seeking; for them this is a floor the server checks against the
   * measured duration at publish.
   */
  minSeconds: z.number().min(0).max(3600),
  /** The phrase the customer must say after this step, or null. */
  confirmAfter: PhraseId.nullable(),
};

export const MediaStep = z.strictObject({ ...StepCommon, kind: z.enum(['video', 'audio', 'image']), content: ContentRef });
export const TextStep = z.strictObject({ ...StepCommon, kind: z.literal('text'), body: LocalizedBody });
export const DisclosureStep = z.union([MediaStep, TextStep]);
export type DisclosureStep = z.infer<typeof DisclosureStep>;
export type MediaStep = z.infer<typeof MediaStep>;

function definitionShape<P extends z.ZodType<{ id: string }>>(phrase: P) {
  return z
    .strictObject({
      steps: z.array(DisclosureStep).min(1, 'a version needs at least one disclosure step').max(50),
      phrases: z.array(phrase).min(1, 'a version needs at least one confirmation phrase').max(10),
      /** Phrases the customer says at the end, after the whole disclosure (the confirmation statement). */
      finalPhraseIds: z.array(PhraseId).min(1, 'the customer must confirm at least one phrase at the end').max(10),
      notes: z.string().max(2000).optional(),
    })
    .superRefine((d, ctx) => {
      const stepIds = new Set<string>();
      d.steps.forEach((s, i) => {
        if (stepIds.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id ${s.id}` });
        stepIds.add(s.id);
        if (s.kind !== 'text' && contentKindOf(s.content.mime) !== s.kind) ctx.addIssue({ code: 'custom', path: ['steps', i, 'content', 'mime'], message: `a ${s.kind} step cannot show ${s.content.mime}` });
      });
      const phraseIds = new Set<string>();
      d.phrases.forEach((p, i) => {
        if (phraseIds.has(p.id)) ctx.addIssue({ code: 'custom', path: ['phrases', i, 'id'], message: `duplicate phrase id ${p.id}` });
        phraseIds.add(p.id);
      });
      const used = new Set<string>();
      const use = (id: string, path: PropertyKey[]) => {
        if (!phraseIds.has(id)) ctx.addIssue({ code: 'custom', path, message: `unknown phrase id ${id}` });
        used.add(id);
      };
      d.steps.forEach((s, i) => s.confirmAfter !== null && use(s.confirmAfter, ['steps', i, 'confirmAfter']));
      d.finalPhraseIds.forEach((id, i) => use(id, ['finalPhraseIds', i]));
      if (new Set(d.finalPhraseIds).size !== d.finalPhraseIds.length) ctx.addIssue({ code: 'custom', path: ['finalPhraseIds'], message: 'a phrase is listed twice' });
      for (const id of phraseIds) if (!used.has(id)) ctx.addIssue({ code: 'custom', path: ['phrases'], message: `phrase ${id} is never asked for (not after a step, not at the end)` });
    });
}

/** A version's content as stored and published: every phrase carries its keyword spellings. */
export const VersionDefinition = definitionShape(ConfirmationPhrase);
export type VersionDefinition = z.infer<typeof VersionDefinition>;

/** What an admin sends to create or replace a draft: keyword spellings may be left to the server. */
export const VersionDefinitionInput = definitionShape(ConfirmationPhraseInput);
export type VersionDefinitionInput = z.infer<typeof VersionDefinitionInput>;

export const VersionStatus = z.enum(['draft', 'published', 'retired']);
export type VersionStatus = z.infer<typeof VersionStatus>;

export const VersionNumber = z.number().int().min(1).max(1_000_000);
/** A version number in a URL: decimal digits only. */
export const VersionParam = z
  .string()
  .regex(/^[1-9][0-9]{0,6}$/, 'a version is a whole number from 1 in decimal digits')
  .transform(Number)
  .pipe(VersionNumber);

export const ProductVersion = z.strictObject({
  productId: ProductSlug,
  version: VersionNumber,
  status: VersionStatus,
  definition: VersionDefinition,
  /** SHA-256 of the canonical JSON of `definition`: what a session's timeline records as played. */
  definitionSha256: Sha256Hex,
  createdAt: IsoTime,
  createdBy: z.string(),
  publishedAt: IsoTime.nullable(),
  publishedBy: z.string().nullable(),
  retiredAt: IsoTime.nullable(),
});
export type ProductVersion = z.infer<typeof ProductVersion>;

export const VersionSummary = ProductVersion.omit({ definition: true });
export type VersionSummary = z.infer<typeof VersionSummary>;

export const ProductWithVersions = z.strictObject({ product: Product, versions: z.array(VersionSummary) });
export type ProductWithVersions = z.infer<typeof ProductWithVersions>;

// ---- the booth's snapshot -------------------------------------------------------------------

/** One product as booths offer it: its published version. */
export const CatalogueEntry = z.strictObject({
  product: Product.pick({ id: true, name: true, retentionClass: true }),
  version: VersionNumber,
  definitionSha256: Sha256Hex,
  publishedAt: IsoTime,
  definition: VersionDefinition,
});
export type CatalogueEntry = z.infer<typeof CatalogueEntry>;

/**
 * GET /api/v1/booth/catalogue: every active product's published version, sorted by product id.
 * `etag` is the SHA-256 of the canonical JSON of `entries` (src/core/catalogue.ts), so it is the
 * same on every server instance, and a booth can check a snapshot it reads back from disk.
 */
export const CatalogueSnapshot = z.strictObject({
  format: z.literal(1),
  etag: Sha256Hex,
  entries: z.array(CatalogueEntry).max(10_000),
});
export type CatalogueSnapshot = z.infer<typeof CatalogueSnapshot>;

/** The booth's cached catalogue, as the kiosk sees it. */
export const BoothCatalogueStatus = z.strictObject({
  /** ETag of the snapshot the booth plays from, or null before the first fetch. */
  etag: Sha256Hex.nullable(),
  products: z.number().int().min(0),
  /** When the booth last stored a new snapshot. */
  updatedAt: IsoTime.nullable(),
  /** When the booth last asked the server (answered or not). */
  checkedAt: IsoTime.nullable(),
  /** Whether the last check reached the server. */
  online: z.boolean(),
  lastError: z.string().nullable(),
});
export type BoothCatalogueStatus = z.infer<typeof BoothCatalogueStatus>;

export const BoothCatalogueView = z.strictObject({ status: BoothCatalogueStatus, entries: z.array(CatalogueEntry) });
export type BoothCatalogueView = z.infer<typeof BoothCatalogueView>;

// ---- booth routes (under API_PREFIX) ---------------------------------------------------------

/** GET: the snapshot; send `If-None-Match: "<etag>"` to get a 304 when nothing changed. */
export const BOOTH_CATALOGUE_PATH = '/booth/catalogue';
/** GET: one content blob named by the snapshot (immutable; Range requests served). */
export const boothContentPath = (sha256: string) => `/booth/catalogue/content/${sha256}`;
/** POST BoothCustomerLookupRequest -> BoothCustomer. */
export const BOOTH_CUSTOMER_LOOKUP_PATH = '/booth/customers/lookup';
