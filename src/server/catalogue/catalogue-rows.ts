import type { Selectable } from 'kysely';
import { definitionSha256 } from '../../core/catalogue.js';
import { IntegrityError } from '../../core/errors.js';
import { ContentInfo, Product, ProductVersion, VersionDefinition, VersionSummary } from '../../protocol/catalogue.js';
import type { ServerDb } from '../db/schema.js';

type ProductRow = Selectable<ServerDb['products']>;
type VersionRow = Selectable<ServerDb['product_versions']>;
type ContentRow = Selectable<ServerDb['content_blobs']>;

/** Parses a row read back; a row that does not fit the schema is an IntegrityError naming it. */
function readBack<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new IntegrityError('catalogue.bad_row', `stored ${what} does not validate: ${r.error.message}`);
  return r.data;
}

export function productFromRow(r: Omit<ProductRow, 'created_by'>): Product {
  return readBack(
    Product,
    { id: r.product_id, name: { zh: r.name_zh, en: r.name_en }, retentionClass: r.retention_class, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at },
    `product ${r.product_id}`,
  );
}

export function summaryFromRow(r: VersionRow): VersionSummary {
  return readBack(
    VersionSummary,
    {
      productId: r.product_id,
      version: r.version,
      status: r.status,
      definitionSha256: r.definition_sha256,
      createdAt: r.created_at,
      createdBy: r.created_by,
      publishedAt: r.published_at,
      publishedBy: r.published_by,
      retiredAt: r.retired_at,
    },
    `version ${r.product_id}@${r.version}`,
  );
}

/** The stored definition, checked against its recorded SHA-256 (a changed row fails loudly). */
export function definitionFromRow(r: Pick<VersionRow, 'product_id' | 'version' | 'definition_json' | 'definition_sha256'>): VersionDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(r.definition_json);
  } catch {
    throw new IntegrityError('catalogue.bad_row', `stored definition of ${r.product_id}@${r.version} is not JSON`);
  }
  const def = readBack(VersionDefinition, raw, `definition of ${r.product_id}@${r.version}`);
  if (definitionSha256(def) !== r.definition_sha256) throw new IntegrityError('catalogue.definition_changed', `stored definition of ${r.product_id}@${r.version} does not match its recorded SHA-256`);
  return def;
}

export function versionFromRow(r: VersionRow): ProductVersion {
  return { ...summaryFromRow(r), definition: definitionFromRow(r) };
}

export function contentFromRow(r: ContentRow): ContentInfo {
  return readBack(ContentInfo, { sha256: r.sha256, bytes: Number(r.bytes), mime: r.mime, kind: r.kind, durationSec: r.duration_sec, uploadedAt: r.uploaded_at }, `content ${r.sha256}`);
}

export const contentKey = (sha256: string) => `catalogue/content/${sha256}`;
