import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { ByteRange } from '../../core/byte-range.js';
import { ConflictError, NotFoundError, PayloadTooLargeError } from '../../core/errors.js';
import { MAX_CONTENT_BYTES, contentKindOf, type ContentInfo, type ContentMime } from '../../protocol/catalogue.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServerDb } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';
import { contentFromRow, contentKey } from './catalogue-rows.js';
import type { ContentLookup } from './publish-check.js';
import { receiveVerified } from './upload.js';

export interface OpenedContent {
  info: ContentInfo;
  stream: Readable;
  /** The range served, or null for the whole blob (also when the store cannot serve ranges). */
  range: ByteRange | null;
}

/**
 * Risk-disclosure content blobs, content-addressed by SHA-256 in the server's BlobStore
 * (`catalogue/content/<sha256>`, write-once). An upload is streamed to a temporary file, hashed,
 * limited by its kind's size, sniffed and probed (content-check.ts), then stored, then recorded:
 * a row never exists without its bytes.
 */
export class ContentService implements ContentLookup {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly store: BlobStore,
    private readonly ff: FfmpegInfo,
    private readonly workDir: string,
    private readonly audit: AuditLog,
    private readonly log: Logger,
  ) {}

  /**
   * Stores an upload that must hash to `sha256` and be `declared` media. Uploading stored content
   * again returns it (`created: false`) without reading the body.
   */
  async upload(actor: string, sha256: string, declared: ContentMime, body: Readable, contentLength?: number): Promise<{ info: ContentInfo; created: boolean }> {
    const existing = await this.find(sha256);
    if (existing) {
      if (existing.mime !== declared) throw new ConflictError('content.exists', `content ${sha256} is already stored as ${existing.mime}, not ${declared}`);
      return { info: existing, created: false };
    }
    const kind = contentKindOf(declared);
    const max = MAX_CONTENT_BYTES[kind];
    if (contentLength !== undefined && contentLength > max) throw new PayloadTooLargeError('content.too_large', `${kind} content is limited to ${max} bytes; this one is ${contentLength}`);
    const { file, checked } = await receiveVerified({ body, dir: this.workDir, maxBytes: max, what: `${kind} content`, sha256, declared, ff: this.ff });
    try {
      const key = contentKey(sha256);
      await this.store.putFile(key, file.path);
      const now = new Date().toISOString();
      await this.db
        .insertInto('content_blobs')
        .values({ sha256, bytes: file.bytes, mime: checked.mime, kind: checked.kind, duration_sec: checked.durationSec, storage_key: key, uploaded_at: now, uploaded_by: actor })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
    } finally {
      await file.discard();
    }
    const info = await this.info(sha256);
    this.log.info({ sha256, kind: info.kind, bytes: info.bytes }, 'catalogue content stored');
    await this.audit.append({ actor, action: 'catalogue.content_upload', target: `content:${sha256}`, details: { mime: info.mime, bytes: info.bytes } });
    return { info, created: true };
  }

  async find(sha256: string): Promise<ContentInfo | null> {
    const row = await this.db.selectFrom('content_blobs').selectAll().where('sha256', '=', sha256).executeTakeFirst();
    return row ? contentFromRow(row) : null;
  }

  async info(sha256: string): Promise<ContentInfo> {
    const info = await this.find(sha256);
    if (!info) throw new NotFoundError('content.unknown', `content ${sha256} is not stored`);
    return info;
  }

  async present(sha256s: readonly string[]): Promise<Map<string, ContentInfo>> {
    const out = new Map<string, ContentInfo>();
    if (sha256s.length === 0) return out;
    const rows = await this.db.selectFrom('content_blobs').selectAll().where('sha256', 'in', [...sha256s]).execute();
    for (const r of rows) {
      if (await this.store.has(r.storage_key)) out.set(r.sha256, contentFromRow(r));
      else this.log.error({ sha256: r.sha256, key: r.storage_key }, 'catalogue content row without its stored bytes');
    }
    return out;
  }

  /** True when a published version of an active product names the blob (what booths may fetch). */
  async servedToBooths(sha256: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('product_version_content as c')
      .innerJoin('product_versions as v', (j) => j.onRef('v.product_id', '=', 'c.product_id').onRef('v.version', '=', 'c.version'))
      .innerJoin('products as p', 'p.product_id', 'c.product_id')
      .select('c.sha256')
      .where('c.sha256', '=', sha256)
      .where('v.status', '=', 'published')
      .where('p.status', '=', 'active')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Opens a stored blob, or the given range of it when the store is local. */
  async open(sha256: string, range: ByteRange | null): Promise<OpenedContent> {
    const info = await this.info(sha256);
    const key = contentKey(sha256);
    const local = this.store.localPath(key);
    if (local && range) return { info, stream: createReadStream(local, { start: range.start, end: range.end }), range };
    return { info, stream: await this.store.stream(key), range: null };
  }
}
