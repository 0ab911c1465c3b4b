import { describe, expect, it } from 'vitest';
import { parseBoothConfig } from '../../../../src/booth/config.js';
import { CatalogueCustomerDirectory, type CustomerCatalogue } from '../../../../src/booth/kiosk/catalogue-customers.js';
import { ConfigCustomerDirectory } from '../../../../src/booth/kiosk/customers.js';
import { DependencyError, ForbiddenError, NotFoundError, ValidationError } from '../../../../src/core/errors.js';
import type { BoothCustomer, BoothCustomerLookupRequest } from '../../../../src/protocol/customers.js';

const SERVER_ID = '11010519491231002X';
const descriptor = Array.from({ length: 128 }, (_v, i) => (i % 5) / 10 - 0.2);
const customer: BoothCustomer = {
  customerId: '6f1c0d3e-2b4a-4c1e-9d7f-0a1b2c3d4e5f',
  branchId: 'br-k',
  name: '赵六',
  idType: 'cn_resident_id',
  idMasked: '110105********002X',
  faces: [{ faceId: 1, model: 'face-api/face_recognition_model', descriptor }],
};

/** The server's directory as the booth catalogue answers it: one customer, or the error given. */
class Directory implements CustomerCatalogue {
  readonly asked: BoothCustomerLookupRequest[] = [];
  constructor(private readonly failWith: Error | null = null) {}
  lookupCustomer(req: BoothCustomerLookupRequest): Promise<BoothCustomer> {
    this.asked.push(req);
    if (this.failWith) return Promise.reject(this.failWith);
    if (req.idDocument.number === SERVER_ID) return Promise.resolve(customer);
    return Promise.reject(new NotFoundError('customer.not_found', 'no such customer'));
  }
}

const local = () => new ConfigCustomerDirectory(parseBoothConfig({}).kiosk.customers);

describe('customers from the server directory, else the booth config', () => {
  it('maps a server customer to a masked summary and keeps its descriptors for the face check', async () => {
    const d = new CatalogueCustomerDirectory(new Directory(), () => true, local());
    const c = await d.find({ method: 'idNumber', value: SERVER_ID });
    expect(c).toEqual({ customerId: customer.customerId, displayName: '赵*', maskedIdentifier: customer.idMasked, source: 'server', enrolledFace: true });
    expect(d.faceDescriptors(customer.customerId)).toEqual([descriptor]);
    expect(d.faceDescriptors('demo-customer-1')).toBeNull();
  });

  it('asks the config list for teller codes, before enrollment, and for numbers the server does not know or refuses', async () => {
    const dir = new Directory();
    const notEnrolled = new CatalogueCustomerDirectory(dir, () => false, local());
    // Before enrollment the booth's list answers (the demo customer has the same sample number).
    expect(await notEnrolled.find({ method: 'idNumber', value: SERVER_ID })).toMatchObject({ customerId: 'demo-customer-1', source: 'local' });
    expect(dir.asked).toEqual([]);
    const d = new CatalogueCustomerDirectory(dir, () => true, local());
    expect(await d.find({ method: 'tellerCode', value: 'T0001' })).toMatchObject({ customerId: 'demo-customer-1', source: 'local' });
    expect(dir.asked).toEqual([]);
    expect(await d.find({ method: 'idNumber', value: '11010519491231003X' })).toBeNull();
    const noBranch = new CatalogueCustomerDirectory(new Directory(new ForbiddenError('booth.no_branch', 'the booth has no branch')), () => true, local());
    expect(await noBranch.find({ method: 'idNumber', value: '11010519491231002X' })).toMatchObject({ customerId: 'demo-customer-1', source: 'local' });
  });

  it('says the directory is unavailable when the server cannot be reached and the booth does not list the customer', async () => {
    const down = new CatalogueCustomerDirectory(new Directory(new TypeError('fetch failed')), () => true, local());
    await expect(down.find({ method: 'idNumber', value: '11010519491231003X' })).rejects.toThrow(DependencyError);
    await expect(down.find({ method: 'idNumber', value: '11010519491231003X' })).rejects.toThrow(/cannot be reached: fetch failed/);
    // The booth's own list still answers for the customers it has.
    expect(await down.find({ method: 'idNumber', value: '11010519491231002X' })).toMatchObject({ source: 'local' });
    const bad = new CatalogueCustomerDirectory(new Directory(new ValidationError('customer.bad_number', 'bad number')), () => true, local());
    await expect(bad.find({ method: 'idNumber', value: SERVER_ID })).rejects.toThrow(ValidationError);
  });
});
