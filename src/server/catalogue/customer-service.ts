import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { ConflictError, DualrecError, ForbiddenError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../core/errors.js';
import { CONTENT_MIME, MAX_CONTENT_BYTES, type ContentMime, type ContentRef } from '../../protocol/catalogue.js';
import type { AddFaceRequest, BoothCustomer, BoothCustomerLookupRequest, CreateCustomerRequest, Customer, CustomerLookupRequest, IdDocument } from '../../protocol/customers.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServerDb } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';
import { maskIdNumber, type CustomerIdKey } from './customer-id-key.js';
import { customerFromRows, photoKey } from './customer-rows.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/portable.js';
import { receiveVerified } from './upload.js';

/** Who is asking and which branches they may see (null: every branch). */
export interface CustomerAccess {
  actor: string;
  scope: readonly string[] | null;
}

/** The booth asking (its branch comes from its enrollment). */
export interface BoothCaller {
  boothId: string;
  branchId: string | null;
}

const MAX_FACES = 10;

/**
 * Customers of a branch, found by identity document through a keyed hash (customer-id-key.ts),
 * with enrolled faces (face-api descriptors and/or photos). Staff see only the branches in their
 * scope; a booth sees only its own branch and gets descriptors, never the number or photos. Reads
 * and misses are audited, as are creations and enrolments.
 */
export class CustomerService {
  private constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly store: BlobStore,
    private readonly key: CustomerIdKey,
    private readonly ff: FfmpegInfo,
    private readonly workDir: string,
    private readonly audit: AuditLog,
    private readonly log: Logger,
  ) {}

  /** Refuses to start with a key other than the one the stored customers were hashed with. */
  static async open(deps: { db: Kysely<ServerDb>; store: BlobStore; key: CustomerIdKey; ff: FfmpegInfo; workDir: string; audit: AuditLog; log: Logger }): Promise<CustomerService> {
    const other = await deps.db.selectFrom('customers').select('id_key_id').where('id_key_id', '<>', deps.key.keyId).limit(1).executeTakeFirst();
    if (other) {
      throw new DualrecError('customer.key_mismatch', `stored customers were hashed with customer id key ${other.id_key_id}, this server has ${deps.key.keyId}; every instance needs the same keys/customer-id-hmac.key`);
    }
    return new CustomerService(deps.db, deps.store, deps.key, deps.ff, deps.workDir, deps.audit, deps.log);
  }

  async create(access: CustomerAccess, req: CreateCustomerRequest): Promise<Customer> {
    assertScope(access, req.branchId);
    const customerId = randomUUID();
    const now = new Date().toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('customers')
          .values({
            customer_id: customerId,
            branch_id: req.branchId,
            name: req.name,
            id_type: req.idDocument.type,
            id_lookup: this.key.lookup(req.idDocument),
            id_key_id: this.key.keyId,
            id_masked: maskIdNumber(req.idDocument.number),
            created_at: now,
            created_by: access.actor,
            updated_at: now,
          })
          .execute();
        for (const f of req.faces) {
          await trx
            .insertInto('customer_faces')
            .values({ customer_id: customerId, model: f.model, descriptor_json: JSON.stringify(f.descriptor), photo_sha256: null, source: 'import', enrolled_at: now, enrolled_by: access.actor })
            .execute();
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('customer.exists', `branch ${req.branchId} already has a customer with this ${req.idDocument.type} number`);
      if (isForeignKeyViolation(err)) throw new NotFoundError('customer.unknown_branch', `there is no branch ${req.branchId}`);
      throw err;
    }
    await this.audit.append({ actor: access.actor, action: 'customer.create', target: `customer:${customerId}`, branchId: req.branchId, details: { idType: req.idDocument.type, faces: req.faces.length } });
    return this.read(customerId);
  }

  async get(access: CustomerAccess, customerId: string): Promise<Customer> {
    const c = await this.read(customerId);
    assertScope(access, c.branchId);
    await this.audit.append({ actor: access.actor, action: 'customer.read', target: `customer:${customerId}`, branchId: c.branchId, details: { via: 'id' } });
    return c;
  }

  async lookup(access: CustomerAccess, req: CustomerLookupRequest): Promise<Customer> {
    assertScope(access, req.branchId);
    const id = await this.findId(access.actor, req.branchId, req.idDocument);
    const c = await this.read(id);
    await this.audit.append({ actor: access.actor, action: 'customer.read', target: `customer:${id}`, branchId: c.branchId, details: { via: 'lookup' } });
    return c;
  }

  /** A booth's lookup for the face check: its own branch only, descriptors only. */
  async lookupForBooth(booth: BoothCaller, req: BoothCustomerLookupRequest): Promise<BoothCustomer> {
    if (!booth.branchId) throw new ForbiddenError('customer.booth_branch', 'this booth is not assigned to a branch, and customers are looked up per branch');
    const actor = `booth:${booth.boothId}`;
    const id = await this.findId(actor, booth.branchId, req.idDocument);
    const c = await this.read(id);
    await this.audit.append({ actor, action: 'customer.read', target: `customer:${id}`, branchId: c.branchId, details: { via: 'booth' } });
    const faces = c.faces.flatMap((f) => (f.descriptor ? [{ faceId: f.faceId, model: f.model, descriptor: f.descriptor }] : []));
    return { customerId: c.customerId, branchId: c.branchId, name: c.name, idType: c.idType, idMasked: c.idMasked, faces };
  }

  /** Stores a photo of the customer (JPEG, PNG or WebP, sniffed) under its SHA-256. */
  async putPhoto(access: CustomerAccess, customerId: string, sha256: string, declared: ContentMime, body: Readable, contentLength?: number): Promise<ContentRef> {
    const c = await this.read(customerId);
    assertScope(access, c.branchId);
    if (!(CONTENT_MIME.image as readonly string[]).includes(declared)) throw new ValidationError('customer.photo_type', `a customer photo is one of ${CONTENT_MIME.image.join(', ')}, not ${declared}`);
    const max = MAX_CONTENT_BYTES.image;
    if (contentLength !== undefined && contentLength > max) throw new PayloadTooLargeError('content.too_large', `a customer photo is limited to ${max} bytes; this one is ${contentLength}`);
    const { file } = await receiveVerified({ body, dir: this.workDir, maxBytes: max, what: 'customer photo', sha256, declared, ff: this.ff });
    try {
      const key = photoKey(customerId, sha256);
      await this.store.putFile(key, file.path);
      await this.db
        .insertInto('customer_photos')
        .values({ customer_id: customerId, sha256, bytes: file.bytes, mime: declared, storage_key: key, uploaded_at: new Date().toISOString(), uploaded_by: access.actor })
        .onConflict((oc) => oc.columns(['customer_id', 'sha256']).doNothing())
        .execute();
      await this.audit.append({ actor: access.actor, action: 'customer.photo_upload', target: `customer:${customerId}`, branchId: c.branchId, details: { sha256 } });
      return { sha256, bytes: file.bytes, mime: declared };
    } finally {
      await file.discard();
    }
  }

  /** A stored photo of a customer in scope (audited), and how to read it. */
  async openPhoto(access: CustomerAccess, customerId: string, sha256: string): Promise<{ ref: ContentRef; open: () => Promise<Readable> }> {
    const c = await this.read(customerId);
    assertScope(access, c.branchId);
    const row = await this.db.selectFrom('customer_photos').selectAll().where('customer_id', '=', customerId).where('sha256', '=', sha256).executeTakeFirst();
    if (!row) throw new NotFoundError('customer.unknown_photo', `customer ${customerId} has no photo ${sha256}`);
    await this.audit.append({ actor: access.actor, action: 'customer.photo_read', target: `customer:${customerId}`, branchId: c.branchId, details: { sha256 } });
    return { ref: { sha256, bytes: Number(row.bytes), mime: row.mime as ContentMime }, open: () => this.store.stream(row.storage_key) };
  }

  /** Enrols a face: a descriptor, a photo uploaded before, or both. */
  async addFace(access: CustomerAccess, customerId: string, req: AddFaceRequest): Promise<Customer> {
    const c = await this.read(customerId);
    assertScope(access, c.branchId);
    if (c.faces.length >= MAX_FACES) throw new ConflictError('customer.too_many_faces', `customer ${customerId} already has ${MAX_FACES} enrolled faces`);
    if (req.photoSha256) {
      const photo = await this.db.selectFrom('customer_photos').select('sha256').where('customer_id', '=', customerId).where('sha256', '=', req.photoSha256).executeTakeFirst();
      if (!photo) throw new NotFoundError('customer.unknown_photo', `customer ${customerId} has no photo ${req.photoSha256}; upload it first`);
    }
    const inserted = await this.db
      .insertInto('customer_faces')
      .values({
        customer_id: customerId,
        model: req.model,
        descriptor_json: req.descriptor ? JSON.stringify(req.descriptor) : null,
        photo_sha256: req.photoSha256 ?? null,
        source: req.source,
        enrolled_at: new Date().toISOString(),
        enrolled_by: access.actor,
      })
      .returning('face_id')
      .executeTakeFirstOrThrow();
    await this.db.updateTable('customers').set({ updated_at: new Date().toISOString() }).where('customer_id', '=', customerId).execute();
    await this.audit.append({ actor: access.actor, action: 'customer.face_add', target: `customer:${customerId}`, branchId: c.branchId, details: { faceId: inserted.face_id, model: req.model, descriptor: req.descriptor !== undefined, photo: req.photoSha256 ?? null } });
    return this.read(customerId);
  }

  private async findId(actor: string, branchId: string, doc: IdDocument): Promise<string> {
    const row = await this.db.selectFrom('customers').select('customer_id').where('branch_id', '=', branchId).where('id_lookup', '=', this.key.lookup(doc)).executeTakeFirst();
    if (!row) {
      await this.audit.append({ actor, action: 'customer.lookup_miss', target: `branch:${branchId}`, branchId, details: { idType: doc.type } });
      throw new NotFoundError('customer.unknown', `branch ${branchId} has no customer with this ${doc.type} number`);
    }
    return row.customer_id;
  }

  private async read(customerId: string): Promise<Customer> {
    const row = await this.db.selectFrom('customers').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
    if (!row) throw new NotFoundError('customer.unknown', `unknown customer ${customerId}`);
    const faces = await this.db
      .selectFrom('customer_faces as f')
      .leftJoin('customer_photos as p', (j) => j.onRef('p.customer_id', '=', 'f.customer_id').onRef('p.sha256', '=', 'f.photo_sha256'))
      .select(['f.face_id', 'f.model', 'f.descriptor_json', 'f.photo_sha256', 'f.source', 'f.enrolled_at', 'f.enrolled_by', 'p.bytes as photo_bytes', 'p.mime as photo_mime'])
      .where('f.customer_id', '=', customerId)
      .orderBy('f.face_id')
      .execute();
    return customerFromRows(row, faces);
  }
}

function assertScope(access: CustomerAccess, branchId: string): void {
  if (access.scope !== null && !access.scope.includes(branchId)) throw new ForbiddenError('customer.branch', `branch ${branchId} is outside your branch scope`);
}
