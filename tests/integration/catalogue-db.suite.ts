// The catalogue's part of the server database contract (SQLite and PostgreSQL): two "instances"
// (services on their own database handle, sharing the storage folder and the customer id key)
// racing to publish, to number versions, to create the same customer and to store the same blob,
// and computing the same snapshot ETag.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg, type FfmpegInfo } from '../../src/platform/ffmpeg.js';
import type { VersionDefinitionInput } from '../../src/protocol/catalogue.js';
import { residentIdCheckChar } from '../../src/protocol/customers.js';
import { MemoryAuditLog } from '../../src/server/audit/memory-audit-log.js';
import { CatalogueService } from '../../src/server/catalogue/catalogue-service.js';
import { ContentService } from '../../src/server/catalogue/content-service.js';
import { CustomerIdKey } from '../../src/server/catalogue/customer-id-key.js';
import { CustomerService } from '../../src/server/catalogue/customer-service.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import { FsBlobStore } from '../../src/server/storage/fs-blob-store.js';
import { makeVideo, type Media } from '../helpers/catalogue-fixture.js';
import { silent } from '../helpers/vault-fixture.js';
import { race, useBackend, type DbBackend } from './server-db.fixture.js';

const T = '2026-03-04T05:06:07.000Z';
const SYSTEM = { actor: 'system', scope: null };
const ID = '11010519491231002' + residentIdCheckChar('11010519491231002');
const descriptor = Array.from({ length: 128 }, (_, i) => Math.sin(i) / 4);

interface Instance {
  catalogue: CatalogueService;
  content: ContentService;
  customers: CustomerService;
}

export function catalogueDbSuite(name: string, backend: () => DbBackend): void {
  describe(`catalogue database contract: ${name}`, () => {
    const { open } = useBackend(backend);
    let dir: string;
    let ff: FfmpegInfo;
    let video: Media;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dualrec-catdb-'));
      ff = await resolveFfmpeg();
      video = await makeVideo(ff, dir, 1);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** Two instances on one fresh database (SQLite: one handle, as one server process has). */
    async function instances(): Promise<Instance[]> {
      const b = backend();
      const opened = await open(b.multiInstance ? 2 : 1);
      const dbs: Kysely<ServerDb>[] = b.multiInstance ? opened : [opened[0]!, opened[0]!];
      const root = await mkdtemp(join(dir, 'inst-'));
      const store = new FsBlobStore(join(root, 'store'));
      const key = CustomerIdKey.fromBytes(randomBytes(32));
      await dbs[0]!.insertInto('branches').values([{ branch_id: 'br-1', name: 'One', created_at: T }, { branch_id: 'br-2', name: 'Two', created_at: T }]).execute();
      return Promise.all(
        dbs.map(async (db, i) => {
          const audit = new MemoryAuditLog();
          const workDir = join(root, `work-${i}`);
          const content = new ContentService(db, store, ff, workDir, audit, silent);
          return { content, catalogue: new CatalogueService(db, content, audit, silent), customers: await CustomerService.open({ db, store, key, ff, workDir, audit, log: silent }) };
        }),
      );
    }

    const definition = (notes: string): VersionDefinitionInput => ({
      steps: [{ id: 'v', kind: 'video', title: { zh: '视频' }, content: video.ref, minSeconds: 0.5, confirmAfter: null }],
      phrases: [{ id: 'ack', text: '我确认购买' }],
      finalPhraseIds: ['ack'],
      notes,
    });

    it('stores one blob when two instances upload it at once', async () => {
      const [a, b] = await instances();
      const up = (i: Instance) => i.content.upload('system', video.ref.sha256, 'video/mp4', createReadStream(video.path), video.ref.bytes);
      const r = await race(2, (i) => up([a!, b!][i]!));
      expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled']);
      expect((await b!.content.present([video.ref.sha256])).get(video.ref.sha256)).toMatchObject({ bytes: video.ref.bytes, kind: 'video' });
    });

    it('numbers versions without gaps or duplicates and publishes exactly one of two racing drafts', async () => {
      const [a, b] = await instances();
      await a!.content.upload('system', video.ref.sha256, 'video/mp4', createReadStream(video.path), video.ref.bytes);
      await a!.catalogue.createProduct('system', { id: 'p', name: { zh: '产品', en: 'P' }, retentionClass: 'banking-wm' });
      const created = await race(4, (i) => [a!, b!][i % 2]!.catalogue.createVersion('system', 'p', definition(`d${i}`)));
      for (const c of created) if (c.status === 'rejected') expect(c.reason).toMatchObject({ status: 409, code: 'catalogue.version_race' });
      const versions = (await a!.catalogue.getProduct('p')).versions.map((v) => v.version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
      expect(versions.length).toBeGreaterThanOrEqual(1);
      if (versions.length < 2) await a!.catalogue.createVersion('system', 'p', definition('extra'));
      const published = await race(2, (i) => [a!, b!][i]!.catalogue.publish('system', 'p', i + 1));
      expect(published.filter((x) => x.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      for (const x of published) if (x.status === 'rejected') expect(x.reason).toMatchObject({ status: 409 });
      expect((await b!.catalogue.getProduct('p')).versions.filter((v) => v.status === 'published')).toHaveLength(1);
      const [sa, sb] = [await a!.catalogue.snapshot(), await b!.catalogue.snapshot()];
      expect(sa.etag).toBe(sb.etag);
      expect(sa.entries).toHaveLength(1);
      expect(await b!.content.servedToBooths(video.ref.sha256)).toBe(true);
    });

    it('creates a customer once per branch when two instances race, and finds it from either', async () => {
      const [a, b] = await instances();
      const req = (branchId: string) => ({ branchId, name: '张三', idDocument: { type: 'cn_resident_id' as const, number: ID }, faces: [{ model: 'face-api/face_recognition_model', descriptor }] });
      const r = await race(2, (i) => [a!, b!][i]!.customers.create(SYSTEM, req('br-1')));
      expect(r.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
      expect(r.find((x) => x.status === 'rejected')).toMatchObject({ reason: { status: 409, code: 'customer.exists' } });
      expect((await b!.customers.create(SYSTEM, req('br-2'))).branchId).toBe('br-2');
      await expect(a!.customers.create(SYSTEM, req('br-9'))).rejects.toMatchObject({ status: 404, code: 'customer.unknown_branch' });
      const found = await b!.customers.lookupForBooth({ boothId: 'b', branchId: 'br-1' }, { idDocument: { type: 'cn_resident_id', number: ID } });
      expect(found.faces[0]!.descriptor).toEqual(descriptor);
      const withFace = await a!.customers.addFace(SYSTEM, found.customerId, { model: 'face-api/face_recognition_model', descriptor, source: 'booth' });
      expect(withFace.faces.map((f) => typeof f.faceId)).toEqual(['number', 'number']);
    });
  });
}
