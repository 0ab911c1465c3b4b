// CustomerService on a real SQLite file and filesystem store: keyed-hash lookup, masked numbers,
// branch scope, faces and photos, booth lookups, audit entries, and the key check at start.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCustomerRequest, IdDocument, residentIdCheckChar } from '../../src/protocol/customers.js';
import { CustomerIdKey } from '../../src/server/catalogue/customer-id-key.js';
import { CustomerService } from '../../src/server/catalogue/customer-service.js';
import { makeMedia, makePng, openCatalogueFixture, type CatalogueFixture } from '../helpers/catalogue-fixture.js';
import { silent } from '../helpers/vault-fixture.js';

let f: CatalogueFixture;
beforeAll(async () => {
  f = await openCatalogueFixture();
});
afterAll(async () => {
  await f.close();
});

const STAFF = { actor: 'staff:22222222-2222-4222-8222-222222222222', scope: ['sh-pudong-01'] };
const HQ = { actor: 'staff:33333333-3333-4333-8333-333333333333', scope: null };
const residentId = (first17: string) => first17 + residentIdCheckChar(first17);
const ID1 = residentId('31011519800101123');
const ID2 = residentId('31011519900202456');
const descriptor = (seed: number) => Array.from({ length: 128 }, (_, i) => Math.sin(seed * 1000 + i) / 5);

const req = (number: string, branchId = 'sh-pudong-01', faces: Array<{ descriptor: number[] }> = []) => CreateCustomerRequest.parse({ branchId, name: '张三', idDocument: { type: 'cn_resident_id', number }, faces });

describe('customers', () => {
  it('stores a keyed hash and a masked number, never the number itself', async () => {
    const c = await f.customers.create(STAFF, req(ID1, 'sh-pudong-01', [{ descriptor: descriptor(1) }]));
    expect(c).toMatchObject({ branchId: 'sh-pudong-01', name: '张三', idType: 'cn_resident_id', idMasked: `**************${ID1.slice(-4)}` });
    expect(c.faces).toHaveLength(1);
    expect(c.faces[0]).toMatchObject({ model: 'face-api/face_recognition_model', source: 'import', photo: null });
    expect(c.faces[0]!.descriptor).toEqual(descriptor(1));
    const row = await f.db.selectFrom('customers').selectAll().where('customer_id', '=', c.customerId).executeTakeFirstOrThrow();
    for (const v of Object.values(row)) expect(String(v)).not.toContain(ID1.slice(0, 10));
    expect(row.id_lookup).toMatch(/^[0-9a-f]{64}$/);
    expect(f.audit.byAction('customer.create').at(-1)).toMatchObject({ actor: STAFF.actor, target: `customer:${c.customerId}`, branchId: 'sh-pudong-01' });
  });

  it('finds a customer by the number however it is typed, per branch, and audits reads and misses', async () => {
    const spaced = `${ID1.slice(0, 6)} ${ID1.slice(6, 14)} ${ID1.slice(14).toLowerCase()}`;
    const found = await f.customers.lookup(STAFF, { branchId: 'sh-pudong-01', idDocument: IdDocument.parse({ type: 'cn_resident_id', number: spaced }) });
    expect(found.idMasked.endsWith(ID1.slice(-4))).toBe(true);
    expect(f.audit.byAction('customer.read').at(-1)).toMatchObject({ target: `customer:${found.customerId}`, details: { via: 'lookup' } });
    await expect(f.customers.lookup(STAFF, { branchId: 'sh-pudong-01', idDocument: { type: 'cn_resident_id', number: ID2 } })).rejects.toMatchObject({ status: 404, code: 'customer.unknown' });
    expect(f.audit.byAction('customer.lookup_miss').at(-1)).toMatchObject({ actor: STAFF.actor, target: 'branch:sh-pudong-01' });
    // The same document type and number is another key under another type.
    await expect(f.customers.lookup(STAFF, { branchId: 'sh-pudong-01', idDocument: { type: 'other', number: ID1 } })).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a second customer with the same document in a branch, allows it in another', async () => {
    await expect(f.customers.create(STAFF, req(ID1))).rejects.toMatchObject({ status: 409, code: 'customer.exists' });
    const other = await f.customers.create(HQ, req(ID1, 'bj-chaoyang-02'));
    expect(other.branchId).toBe('bj-chaoyang-02');
    await expect(f.customers.create(HQ, req(ID1, 'gz-tianhe-09'))).rejects.toMatchObject({ status: 404, code: 'customer.unknown_branch' });
  });

  it('keeps staff to their branch scope (403) and head office sees all', async () => {
    await expect(f.customers.create(STAFF, req(ID2, 'bj-chaoyang-02'))).rejects.toMatchObject({ status: 403, code: 'customer.branch' });
    await expect(f.customers.lookup(STAFF, { branchId: 'bj-chaoyang-02', idDocument: { type: 'cn_resident_id', number: ID1 } })).rejects.toMatchObject({ status: 403 });
    const bj = await f.customers.lookup(HQ, { branchId: 'bj-chaoyang-02', idDocument: { type: 'cn_resident_id', number: ID1 } });
    await expect(f.customers.get(STAFF, bj.customerId)).rejects.toMatchObject({ status: 403 });
    expect((await f.customers.get(HQ, bj.customerId)).customerId).toBe(bj.customerId);
    await expect(f.customers.get(HQ, '44444444-4444-4444-8444-444444444444')).rejects.toMatchObject({ status: 404 });
  });

  it('enrols a photo and a face, and gives a booth of the branch only descriptors', async () => {
    const c = await f.customers.lookup(STAFF, { branchId: 'sh-pudong-01', idDocument: { type: 'cn_resident_id', number: ID1 } });
    const png = await makePng(f.ff, f.dir, 'face.png');
    const ref = await f.customers.putPhoto(STAFF, c.customerId, png.ref.sha256, 'image/png', createReadStream(png.path), png.ref.bytes);
    expect(ref).toEqual(png.ref);
    const withPhoto = await f.customers.addFace(STAFF, c.customerId, { model: 'face-api/face_recognition_model', photoSha256: png.ref.sha256, source: 'photo' });
    expect(withPhoto.faces.at(-1)).toMatchObject({ descriptor: null, photo: png.ref });
    await f.customers.addFace(STAFF, c.customerId, { model: 'face-api/face_recognition_model', descriptor: descriptor(2), source: 'booth' });
    const photo = await f.customers.openPhoto(STAFF, c.customerId, png.ref.sha256);
    expect(photo.ref).toEqual(png.ref);
    expect(f.audit.byAction('customer.photo_read')).toHaveLength(1);

    const booth = { boothId: '55555555-5555-4555-8555-555555555555', branchId: 'sh-pudong-01' };
    const b = await f.customers.lookupForBooth(booth, { idDocument: { type: 'cn_resident_id', number: ID1 } });
    expect(Object.keys(b).sort()).toEqual(['branchId', 'customerId', 'faces', 'idMasked', 'idType', 'name']);
    expect(b.faces.map((x) => x.descriptor)).toEqual([descriptor(1), descriptor(2)]);
    expect(JSON.stringify(b)).not.toContain(ID1.slice(0, 10));
    expect(f.audit.byAction('customer.read').at(-1)).toMatchObject({ actor: `booth:${booth.boothId}`, details: { via: 'booth' } });
    await expect(f.customers.lookupForBooth({ ...booth, branchId: 'bj-chaoyang-03' }, { idDocument: { type: 'cn_resident_id', number: ID1 } })).rejects.toMatchObject({ status: 404 });
    await expect(f.customers.lookupForBooth({ ...booth, branchId: null }, { idDocument: { type: 'cn_resident_id', number: ID1 } })).rejects.toMatchObject({ status: 403, code: 'customer.booth_branch' });
  });

  it('rejects photos that are not images, do not match their hash, or name no upload', async () => {
    const c = await f.customers.lookup(STAFF, { branchId: 'sh-pudong-01', idDocument: { type: 'cn_resident_id', number: ID1 } });
    const png = await makeMedia(f.ff, f.dir, 'p2.png', 'image/png', ['-f', 'lavfi', '-i', 'testsrc2=size=80x60', '-frames:v', '1']);
    await expect(f.customers.putPhoto(STAFF, c.customerId, png.ref.sha256, 'video/mp4', createReadStream(png.path))).rejects.toMatchObject({ status: 400, code: 'customer.photo_type' });
    await expect(f.customers.putPhoto(STAFF, c.customerId, png.ref.sha256, 'image/jpeg', createReadStream(png.path))).rejects.toMatchObject({ status: 400, code: 'content.mime_mismatch' });
    await expect(f.customers.putPhoto(STAFF, c.customerId, '0'.repeat(64), 'image/png', createReadStream(png.path))).rejects.toMatchObject({ status: 422 });
    await expect(f.customers.addFace(STAFF, c.customerId, { model: 'm', photoSha256: png.ref.sha256, source: 'photo' })).rejects.toMatchObject({ status: 404, code: 'customer.unknown_photo' });
  });

  it('refuses to start with a different customer id key', async () => {
    const other = CustomerIdKey.fromBytes(randomBytes(32));
    await expect(CustomerService.open({ db: f.db, store: f.store, key: other, ff: f.ff, workDir: f.workDir, audit: f.audit, log: silent })).rejects.toMatchObject({ code: 'customer.key_mismatch' });
    const same = CustomerIdKey.open(f.dir, { create: false });
    expect(same.keyId).toBe(f.key.keyId);
  });
});

describe('request schemas', () => {
  it('accept a valid resident number and name each bad field', () => {
    expect(IdDocument.parse({ type: 'cn_resident_id', number: '11010519491231002x' }).number).toBe('11010519491231002X');
    const bad = [
      { type: 'cn_resident_id', number: '110105194912310021' },
      { type: 'cn_resident_id', number: '1101051949' },
      { type: 'passport', number: 'E1' },
      { type: 'passport', number: 'E12345678<script>' },
      { type: 'drivers_licence', number: 'E12345678' },
    ];
    for (const b of bad) expect(IdDocument.safeParse(b).success).toBe(false);
    const face = { branchId: 'sh-pudong-01', name: '李四', idDocument: { type: 'passport', number: 'E12345678' } };
    expect(CreateCustomerRequest.safeParse({ ...face, faces: [{ descriptor: descriptor(1).slice(1) }] }).success).toBe(false);
    expect(CreateCustomerRequest.safeParse({ ...face, faces: [{ descriptor: [...descriptor(1).slice(1), Number.NaN] }] }).success).toBe(false);
    expect(CreateCustomerRequest.safeParse({ ...face, faces: [{ descriptor: new Array(128).fill(0) }] }).success).toBe(false);
    expect(CreateCustomerRequest.safeParse({ ...face, branchId: '../x' }).success).toBe(false);
    expect(CreateCustomerRequest.safeParse({ ...face, name: 'a\u0000b' }).success).toBe(false);
    expect(CreateCustomerRequest.safeParse({ ...face, extra: 1 }).success).toBe(false);
  });
});
