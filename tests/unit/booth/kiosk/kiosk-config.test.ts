import { describe, expect, it } from 'vitest';
import { parseBoothConfig } from '../../../../src/booth/config.js';
import { ConfigCustomerDirectory } from '../../../../src/booth/kiosk/customers.js';
import { hashStaffPin } from '../../../../src/booth/kiosk/staff-gate.js';
import { signatureEvent, engineResult } from '../../../../src/booth/kiosk/flow-inputs.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

describe('kiosk config', () => {
  it('defaults to the demo product and customer, no staff, staff-decided checks', () => {
    const k = parseBoothConfig({}).kiosk;
    expect(k.products.map((p) => p.productId)).toEqual(['demo-fund-001']);
    expect(k.customers.map((c) => c.idNumber)).toEqual(['11010519491231002X']);
    expect(k.staff).toEqual([]);
    expect(k).toMatchObject({ maxFaceAttempts: 3, maxConfirmationAttempts: 3, minWatchedRatio: 0.9, idleResetSec: 90 });
  });

  it.each([
    ['a plain PIN instead of a hash', { staff: [{ staffId: 'S1', name: 'W', pinHash: '2468' }] }, /kiosk.staff.0.pinHash: pinHash must be scrypt/],
    ['a customer without an identifier', { customers: [{ customerId: 'c1', name: 'Z' }] }, /needs an idNumber or a tellerCode/],
    ['a bad ID number', { customers: [{ customerId: 'c1', name: 'Z', idNumber: '123' }] }, /kiosk.customers.0.idNumber: ID number must be 17 digits/],
    ['duplicate products', { products: [demoProduct(), demoProduct()] }, /kiosk.products.1: duplicate demo-fund-001/],
    ['duplicate teller codes', { customers: [{ customerId: 'a', name: 'A', tellerCode: 'T1' + '000' }, { customerId: 'b', name: 'B', tellerCode: 'T1000' }] }, /kiosk.customers.1: duplicate T1000/],
    ['no phrase', { products: [{ ...demoProduct(), phrases: [] }] }, /kiosk.products.0.phrases/],
    ['a watched ratio below one half', { minWatchedRatio: 0.2 }, /kiosk.minWatchedRatio/],
    ['a short face descriptor', { customers: [{ customerId: 'c1', name: 'Z', tellerCode: 'T1000', faceDescriptors: [[0.1, 0.2]] }] }, /kiosk.customers.0.faceDescriptors.0: a face descriptor has 128 numbers/],
    ['an empty face descriptor list', { customers: [{ customerId: 'c1', name: 'Z', tellerCode: 'T1000', faceDescriptors: [] }] }, /kiosk.customers.0.faceDescriptors/],
    ['an unknown field', { checks: { face: 'staff' } }, /kiosk: Unrecognized key/],
  ])('refuses %s, naming the field', (_what, kiosk, message) => {
    expect(() => parseBoothConfig({ kiosk })).toThrow(message);
  });

  it('accepts staff with a hashed PIN and a file disclosure', () => {
    const k = parseBoothConfig({ kiosk: { staff: [{ staffId: 'S1', name: 'W', pinHash: hashStaffPin('2468') }], products: [{ ...demoProduct(), disclosure: { file: '/srv/risk.mp4' } }] } }).kiosk;
    expect(k.staff[0]!.staffId).toBe('S1');
  });

  it('accepts a customer with enrolled face descriptors and shows the face as enrolled', async () => {
    const descriptor = Array.from({ length: 128 }, (_v, i) => (i % 7) / 10 - 0.3);
    const k = parseBoothConfig({ kiosk: { customers: [{ customerId: 'c1', name: '张晓明', tellerCode: 'T1000', faceDescriptors: [descriptor] }] } }).kiosk;
    const dir = new ConfigCustomerDirectory(k.customers);
    expect(await dir.find({ method: 'tellerCode', value: 'T1000' })).toMatchObject({ customerId: 'c1', enrolledFace: true });
    expect(dir.faceDescriptors('c1')).toEqual([descriptor]);
    expect(dir.faceDescriptors('nobody')).toBeNull();
  });
});

function demoProduct() {
  return { productId: 'demo-fund-001', name: { zh: '演示', en: 'Demo' }, disclosure: { generate: { seconds: 3 } }, phrases: [{ id: 'ok', text: '我确认', en: null }] };
}

describe('signature images', () => {
  it('keeps a PNG with its size and hash', () => {
    expect(signatureEvent(PNG)).toMatchObject({ type: 'signatureCaptured', width: 1, height: 1, pngBase64: PNG, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
  it.each([
    ['not a PNG', Buffer.from('GIF89a, then some bytes to be long enough').toString('base64')],
    ['a truncated PNG', PNG.slice(0, 20)],
  ])('refuses %s', (_what, b64) => {
    expect(() => signatureEvent(b64)).toThrow(/must be a PNG/);
  });
  it('refuses a PNG claiming a huge size', () => {
    const png = Buffer.from(PNG, 'base64');
    png.writeUInt32BE(100_000, 16);
    expect(() => signatureEvent(png.toString('base64'))).toThrow(/100000x1/);
  });
});

describe('engine results', () => {
  const face = { check: 'face', passed: true, source: 'engine', score: 0.8, threshold: 0.5, faces: 1, engine: 'e', staffId: null, note: null };
  it('are accepted from an engine', () => {
    expect(engineResult('face', face)).toEqual(face);
  });
  it.each([
    ['claims to be staff', { ...face, source: 'staff' }, /source engine/],
    ['carries a staff id', { ...face, staffId: 'S1' }, /no staff id/],
    ['is the other check', { ...face, check: 'speech' }, /invalid result/],
    ['lacks fields', { check: 'face', passed: true }, /invalid result/],
  ])('are refused when one %s', (_what, raw, message) => {
    expect(() => engineResult('face', raw)).toThrow(message);
  });
});
