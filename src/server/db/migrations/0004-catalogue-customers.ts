import { sql, type Kysely } from 'kysely';
import type { PortableMigration } from '../ddl.js';

/**
 * The catalogue (products, immutable published versions, content blobs) and customers (keyed hash
 * of the identity document number, enrolled faces, photos). A version's definition changes only
 * while it is a draft (the service updates `WHERE status = 'draft'`); at most one version of a
 * product is published (partial unique index, on SQLite and PostgreSQL alike).
 */
export const m0004: PortableMigration = (d) => ({
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE products (
      product_id TEXT PRIMARY KEY,
      name_zh TEXT NOT NULL,
      name_en TEXT NOT NULL,
      retention_class TEXT NOT NULL CHECK (retention_class IN ('banking-wm', 'insurance-5y', 'insurance-10y', 'long-term')),
      status TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE product_versions (
      product_id TEXT NOT NULL REFERENCES products(product_id),
      version INTEGER NOT NULL CHECK (version >= 1),
      status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
      definition_json TEXT NOT NULL,
      definition_sha256 TEXT NOT NULL,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      published_at TEXT,
      published_by TEXT,
      retired_at TEXT,
      PRIMARY KEY (product_id, version),
      CHECK ((status = 'draft') = (published_at IS NULL)),
      CHECK ((published_at IS NULL) = (published_by IS NULL)),
      CHECK ((status = 'retired') = (retired_at IS NOT NULL))
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE UNIQUE INDEX product_versions_one_published ON product_versions (product_id) WHERE status = 'published'`.execute(db);
    await sql`CREATE TABLE content_blobs (
      sha256 TEXT PRIMARY KEY,
      bytes ${sql.raw(d.bigint)} NOT NULL CHECK (bytes > 0),
      mime TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('video', 'audio', 'image')),
      duration_sec ${sql.raw(d.real)},
      storage_key TEXT NOT NULL,
      uploaded_at TEXT NOT NULL,
      uploaded_by TEXT NOT NULL
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE product_version_content (
      product_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      PRIMARY KEY (product_id, version, sha256),
      FOREIGN KEY (product_id, version) REFERENCES product_versions(product_id, version)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX product_version_content_by_sha ON product_version_content (sha256)`.execute(db);
    await sql`CREATE TABLE customers (
      customer_id TEXT PRIMARY KEY,
      branch_id TEXT NOT NULL REFERENCES branches(branch_id),
      name TEXT NOT NULL,
      id_type TEXT NOT NULL,
      id_lookup TEXT NOT NULL,
      id_key_id TEXT NOT NULL,
      id_masked TEXT NOT NULL,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (branch_id, id_lookup)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE customer_photos (
      customer_id TEXT NOT NULL REFERENCES customers(customer_id),
      sha256 TEXT NOT NULL,
      bytes ${sql.raw(d.bigint)} NOT NULL CHECK (bytes > 0),
      mime TEXT NOT NULL,
      storage_key TEXT NOT NULL,
      uploaded_at TEXT NOT NULL,
      uploaded_by TEXT NOT NULL,
      PRIMARY KEY (customer_id, sha256)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE TABLE customer_faces (
      face_id ${sql.raw(d.autoId)},
      customer_id TEXT NOT NULL REFERENCES customers(customer_id),
      model TEXT NOT NULL,
      descriptor_json TEXT,
      photo_sha256 TEXT,
      source TEXT NOT NULL CHECK (source IN ('photo', 'booth', 'import')),
      enrolled_at TEXT NOT NULL,
      enrolled_by TEXT NOT NULL,
      CHECK (descriptor_json IS NOT NULL OR photo_sha256 IS NOT NULL),
      FOREIGN KEY (customer_id, photo_sha256) REFERENCES customer_photos(customer_id, sha256)
    ) ${sql.raw(d.strict)}`.execute(db);
    await sql`CREATE INDEX customer_faces_by_customer ON customer_faces (customer_id)`.execute(db);
  },
});
