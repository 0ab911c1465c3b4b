// Property-based checks (fast-check) of the catalogue and customer request schemas: arbitrary
// input never throws (it parses or names a problem), valid definitions pass, broken references fail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CreateProductRequest, ProductSlug, UpdateProductRequest, VersionDefinitionInput, VersionParam, CatalogueSnapshot } from '../../../src/protocol/catalogue.js';
import { AddFaceRequest, BoothCustomerLookupRequest, CreateCustomerRequest, CustomerLookupRequest, IdDocument, residentIdCheckChar } from '../../../src/protocol/customers.js';
import { ProductId } from '../../../src/protocol/server-api.js';

const SCHEMAS = { CreateProductRequest, UpdateProductRequest, VersionDefinitionInput, CatalogueSnapshot, CreateCustomerRequest, CustomerLookupRequest, BoothCustomerLookupRequest, AddFaceRequest, IdDocument };

const sha = fc.stringMatching(/^[0-9a-f]{64}$/);
const slug = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const step = (id: string, confirmAfter: string | null) =>
  fc.oneof(
    fc.record({ id: fc.constant(id), kind: fc.constant('text' as const), title: fc.constant({ zh: '标题' }), body: fc.constant({ zh: '正文' }), minSeconds: fc.integer({ min: 0, max: 600 }), confirmAfter: fc.constant(confirmAfter) }),
    fc.record({
      id: fc.constant(id),
      kind: fc.constant('video' as const),
      title: fc.constant({ zh: '视频' }),
      content: fc.record({ sha256: sha, bytes: fc.integer({ min: 1, max: 512 * 1024 * 1024 }), mime: fc.constantFrom('video/mp4' as const, 'video/webm' as const) }),
      minSeconds: fc.integer({ min: 0, max: 600 }),
      confirmAfter: fc.constant(confirmAfter),
    }),
  );
const definition = fc.uniqueArray(slug, { minLength: 1, maxLength: 5 }).chain((ids) =>
  fc.tuple(...ids.map((id, i) => step(id, i === 0 ? 'ack' : null))).map((steps) => ({ steps, phrases: [{ id: 'ack', text: '我已知晓产品风险' }], finalPhraseIds: ['ack'] })),
);

describe('catalogue and customer request schemas', () => {
  it('never throw on arbitrary JSON; they parse or name the problem', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        for (const [name, s] of Object.entries(SCHEMAS)) {
          const r = s.safeParse(v);
          if (!r.success) expect(r.error.issues.length, name).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('accept generated valid definitions, and refuse them with a phrase reference broken', () => {
    fc.assert(
      fc.property(definition, (d) => {
        expect(VersionDefinitionInput.safeParse(d).success).toBe(true);
        expect(VersionDefinitionInput.safeParse({ ...d, finalPhraseIds: ['nope'] }).success).toBe(false);
        expect(VersionDefinitionInput.safeParse({ ...d, steps: [...d.steps, d.steps[0]] }).success).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('product ids are always valid session product ids', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (s) => {
        if (ProductSlug.safeParse(s).success) expect(ProductId.safeParse(s).success).toBe(true);
      }),
      { numRuns: 2000 },
    );
    for (const bad of ['', 'A', '-a', 'a-', 'a_b', 'a/b', '..', 'x'.repeat(65)]) expect(ProductSlug.safeParse(bad).success).toBe(false);
  });

  it('version numbers in URLs are plain decimal digits', () => {
    expect(VersionParam.parse('12')).toBe(12);
    for (const bad of ['0', '01', '1e3', '-1', '0x1', '1.0', ' 1', '99999999']) expect(VersionParam.safeParse(bad).success).toBe(false);
  });

  it('resident identity numbers carry a valid check character', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{16}$/), fc.constantFrom(...'0123456789X'), (first17, check) => {
        const ok = IdDocument.safeParse({ type: 'cn_resident_id', number: first17 + check }).success;
        expect(ok).toBe(residentIdCheckChar(first17) === check);
      }),
      { numRuns: 500 },
    );
  });
});
