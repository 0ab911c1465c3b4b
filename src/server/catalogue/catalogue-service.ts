import type { Kysely, Transaction } from 'kysely';
import { catalogueEtag, contentRefs, definitionSha256 } from '../../core/catalogue.js';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { generateKeywords } from '../../core/keywords.js';
import { parseOrThrow } from '../../core/validate.js';
import {
  VersionDefinition,
  type CatalogueEntry,
  type CatalogueSnapshot,
  type CreateProductRequest,
  type Product,
  type ProductVersion,
  type ProductWithVersions,
  type UpdateProductRequest,
  type VersionDefinitionInput,
} from '../../protocol/catalogue.js';
import type { Logger } from '../../platform/log.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServerDb } from '../db/schema.js';
import { definitionFromRow, productFromRow, summaryFromRow, versionFromRow } from './catalogue-rows.js';
import type { ContentService } from './content-service.js';
import { isUniqueViolation } from '../db/portable.js';
import { publishProblems } from './publish-check.js';

/**
 * Products and their versions. A version's definition can change only while it is a draft;
 * publishing checks every content blob it names (stored, same size and type, long enough) and
 * retires the version published before it in the same transaction. Every change is audited
 * (after its commit: the audit log may share the database connection).
 */
export class CatalogueService {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly content: ContentService,
    private readonly audit: AuditLog,
    private readonly log: Logger,
  ) {}

  async createProduct(actor: string, req: CreateProductRequest): Promise<Product> {
    const now = new Date().toISOString();
    try {
      await this.db
        .insertInto('products')
        .values({ product_id: req.id, name_zh: req.name.zh, name_en: req.name.en, retention_class: req.retentionClass, status: 'active', created_at: now, created_by: actor, updated_at: now })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('catalogue.product_exists', `product ${req.id} already exists`);
      throw err;
    }
    await this.audit.append({ actor, action: 'catalogue.product_create', target: `product:${req.id}`, details: { retentionClass: req.retentionClass } });
    return this.product(req.id);
  }

  async updateProduct(actor: string, id: string, req: UpdateProductRequest): Promise<Product> {
    const before = await this.product(id);
    const set: Partial<ServerDb['products']> = { updated_at: new Date().toISOString() };
    if (req.name) Object.assign(set, { name_zh: req.name.zh, name_en: req.name.en });
    if (req.retentionClass) set.retention_class = req.retentionClass;
    if (req.status) set.status = req.status;
    await this.db.updateTable('products').set(set).where('product_id', '=', id).execute();
    const after = await this.product(id);
    const changed = (['name', 'retentionClass', 'status'] as const).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    await this.audit.append({ actor, action: 'catalogue.product_update', target: `product:${id}`, details: { changed, retentionClass: after.retentionClass, status: after.status } });
    return after;
  }

  async product(id: string): Promise<Product> {
    const row = await this.db.selectFrom('products').selectAll().where('product_id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('catalogue.unknown_product', `unknown product ${id}`);
    return productFromRow(row);
  }

  async getProduct(id: string): Promise<ProductWithVersions> {
    const product = await this.product(id);
    const rows = await this.db.selectFrom('product_versions').selectAll().where('product_id', '=', id).orderBy('version').execute();
    return { product, versions: rows.map(summaryFromRow) };
  }

  async listProducts(): Promise<ProductWithVersions[]> {
    const products = await this.db.selectFrom('products').selectAll().orderBy('product_id').execute();
    const versions = await this.db.selectFrom('product_versions').selectAll().orderBy('product_id').orderBy('version').execute();
    return products.map((p) => ({ product: productFromRow(p), versions: versions.filter((v) => v.product_id === p.product_id).map(summaryFromRow) }));
  }

  async getVersion(productId: string, version: number): Promise<ProductVersion> {
    const row = await this.db.selectFrom('product_versions').selectAll().where('product_id', '=', productId).where('version', '=', version).executeTakeFirst();
    if (!row) throw new NotFoundError('catalogue.unknown_version', `product ${productId} has no version ${version}`);
    return versionFromRow(row);
  }

  /** Creates the next version of a product as a draft; phrases without keywords get generated spellings. */
  async createVersion(actor: string, productId: string, input: VersionDefinitionInput): Promise<ProductVersion> {
    await this.product(productId);
    const def = completeDefinition(input);
    const sha = definitionSha256(def);
    const now = new Date().toISOString();
    let version: number;
    try {
      version = await this.db.transaction().execute(async (trx) => {
        const max = await trx.selectFrom('product_versions').select((eb) => eb.fn.max('version').as('v')).where('product_id', '=', productId).executeTakeFirst();
        const next = Number(max?.v ?? 0) + 1;
        await trx
          .insertInto('product_versions')
          .values({ product_id: productId, version: next, status: 'draft', definition_json: JSON.stringify(def), definition_sha256: sha, created_at: now, created_by: actor, published_at: null, published_by: null, retired_at: null })
          .execute();
        await setContentRefs(trx, productId, next, def);
        return next;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('catalogue.version_race', `another version of ${productId} was created at the same moment; try again`);
      throw err;
    }
    await this.audit.append({ actor, action: 'catalogue.version_create', target: `product:${productId}@${version}`, details: { definitionSha256: sha } });
    return this.getVersion(productId, version);
  }

  /** Replaces a draft's definition. A published or retired version never changes (409). */
  async updateDraft(actor: string, productId: string, version: number, input: VersionDefinitionInput): Promise<ProductVersion> {
    const def = completeDefinition(input);
    const sha = definitionSha256(def);
    const updated = await this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('product_versions')
        .set({ definition_json: JSON.stringify(def), definition_sha256: sha })
        .where('product_id', '=', productId)
        .where('version', '=', version)
        .where('status', '=', 'draft')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await setContentRefs(trx, productId, version, def);
      return true;
    });
    if (!updated) {
      const current = await this.getVersion(productId, version);
      throw new ConflictError('catalogue.version_immutable', `${productId}@${version} is ${current.status}; a published version never changes, create a new version`);
    }
    await this.audit.append({ actor, action: 'catalogue.version_update', target: `product:${productId}@${version}`, details: { definitionSha256: sha } });
    return this.getVersion(productId, version);
  }

  /**
   * Publishes a draft after checking every content blob it names; the version published before
   * (if any) is retired in the same transaction. Throws ConflictError listing every problem.
   */
  async publish(actor: string, productId: string, version: number): Promise<ProductVersion> {
    const v = await this.getVersion(productId, version);
    if (v.status !== 'draft') throw new ConflictError('catalogue.not_draft', `${productId}@${version} is ${v.status}; only a draft can be published`);
    const problems = await publishProblems(v.definition, this.content);
    if (problems.length > 0) throw new ConflictError('catalogue.content_missing', `${productId}@${version} cannot be published: ${problems.join('; ')}`, { problems });
    const now = new Date().toISOString();
    let retired: number[];
    try {
      retired = await this.db.transaction().execute(async (trx) => {
        const prev = await trx.selectFrom('product_versions').select('version').where('product_id', '=', productId).where('status', '=', 'published').execute();
        await trx.updateTable('product_versions').set({ status: 'retired', retired_at: now }).where('product_id', '=', productId).where('status', '=', 'published').execute();
        const r = await trx
          .updateTable('product_versions')
          .set({ status: 'published', published_at: now, published_by: actor })
          .where('product_id', '=', productId)
          .where('version', '=', version)
          .where('status', '=', 'draft')
          .where('definition_sha256', '=', v.definitionSha256)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new ConflictError('catalogue.publish_race', `${productId}@${version} changed while it was being published; check it and try again`);
        return prev.map((p) => p.version);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('catalogue.publish_race', `another version of ${productId} was published at the same moment; check and try again`);
      throw err;
    }
    this.log.info({ productId, version, retired }, 'catalogue version published');
    await this.audit.append({ actor, action: 'catalogue.publish', target: `product:${productId}@${version}`, details: { definitionSha256: v.definitionSha256, retired } });
    return this.getVersion(productId, version);
  }

  /** Takes a published version off the booths (the product has no published version until the next publish). */
  async retire(actor: string, productId: string, version: number): Promise<ProductVersion> {
    const r = await this.db
      .updateTable('product_versions')
      .set({ status: 'retired', retired_at: new Date().toISOString() })
      .where('product_id', '=', productId)
      .where('version', '=', version)
      .where('status', '=', 'published')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) {
      const v = await this.getVersion(productId, version);
      throw new ConflictError('catalogue.not_published', `${productId}@${version} is ${v.status}; only a published version can be retired`);
    }
    await this.audit.append({ actor, action: 'catalogue.retire', target: `product:${productId}@${version}` });
    return this.getVersion(productId, version);
  }

  /** What booths get: every active product's published version, sorted by product id. */
  async snapshot(): Promise<CatalogueSnapshot> {
    const rows = await this.db
      .selectFrom('product_versions as v')
      .innerJoin('products as p', 'p.product_id', 'v.product_id')
      .select(['p.product_id', 'p.name_zh', 'p.name_en', 'p.retention_class', 'p.status as product_status', 'p.created_at as p_created', 'p.updated_at'])
      .select(['v.version', 'v.definition_json', 'v.definition_sha256', 'v.published_at'])
      .where('v.status', '=', 'published')
      .where('p.status', '=', 'active')
      .orderBy('p.product_id')
      .execute();
    const entries: CatalogueEntry[] = rows.map((r) => {
      const product = productFromRow({ ...r, status: r.product_status, created_at: r.p_created });
      return {
        product: { id: product.id, name: product.name, retentionClass: product.retentionClass },
        version: r.version,
        definitionSha256: r.definition_sha256,
        publishedAt: r.published_at!,
        definition: definitionFromRow({ ...r, product_id: r.product_id }),
      };
    });
    return { format: 1, etag: catalogueEtag(entries), entries };
  }
}

/** The stored form of a definition: phrases without keywords get spellings generated from their text. */
export function completeDefinition(input: VersionDefinitionInput): VersionDefinition {
  const phrases = input.phrases.map((p) => ({ ...p, keywords: p.keywords ?? generateKeywords(p.text) }));
  return parseOrThrow(VersionDefinition, { ...input, phrases }, 'version definition');
}

async function setContentRefs(trx: Transaction<ServerDb>, productId: string, version: number, def: VersionDefinition): Promise<void> {
  await trx.deleteFrom('product_version_content').where('product_id', '=', productId).where('version', '=', version).execute();
  const refs = contentRefs(def);
  if (refs.length > 0) await trx.insertInto('product_version_content').values(refs.map((c) => ({ product_id: productId, version, sha256: c.sha256 }))).execute();
}
