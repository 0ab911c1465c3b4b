import { DependencyError, ForbiddenError, NotFoundError, ValidationError } from '../../core/errors.js';
import { maskName } from '../../core/kiosk-flow-ids.js';
import type { BoothCustomer, BoothCustomerLookupRequest } from '../../protocol/customers.js';
import type { CustomerQuery, CustomerSummary } from '../../protocol/kiosk-flow.js';
import type { ConfigCustomerDirectory } from './customers.js';
import type { CustomerLookup } from './seams.js';

/** What the directory needs of the booth catalogue (issue 5's `BoothCatalogue`). */
export interface CustomerCatalogue {
  lookupCustomer(req: BoothCustomerLookupRequest): Promise<BoothCustomer>;
}

/** Descriptors of the customers looked up most recently, kept in memory for their face check. */
const REMEMBERED = 32;

/**
 * Customers from the server (`BoothCatalogue.lookupCustomer`, the booth's branch) when the booth is
 * enrolled and the kiosk asks by ID number, else the booth's config list (teller codes, demo and
 * offline customers, and ID numbers the server does not know). The enrolled face descriptors of a
 * server customer are kept in memory only (the last few), for the face check of the flow.
 */
export class CatalogueCustomerDirectory implements CustomerLookup {
  private readonly faces = new Map<string, number[][]>();

  constructor(
    private readonly catalogue: CustomerCatalogue,
    private readonly enrolled: () => boolean,
    private readonly local: ConfigCustomerDirectory,
  ) {}

  async find(q: CustomerQuery): Promise<CustomerSummary | null> {
    if (q.method !== 'idNumber' || !this.enrolled()) return this.local.find(q);
    let c: BoothCustomer;
    try {
      c = await this.catalogue.lookupCustomer({ idDocument: { type: 'cn_resident_id', number: q.value } });
    } catch (err) {
      // Unknown to the server, or the booth has no branch: the booth's own list may know the customer.
      if (err instanceof NotFoundError || err instanceof ForbiddenError) return this.local.find(q);
      if (err instanceof ValidationError) throw err;
      const local = await this.local.find(q);
      if (local) return local;
      throw err instanceof DependencyError ? err : new DependencyError('customer.lookup_unavailable', `the customer directory cannot be reached: ${(err as Error).message}`, undefined, { cause: err });
    }
    this.faces.delete(c.customerId);
    this.faces.set(c.customerId, c.faces.map((f) => f.descriptor));
    while (this.faces.size > REMEMBERED) this.faces.delete(this.faces.keys().next().value!);
    return { customerId: c.customerId, displayName: maskName(c.name), maskedIdentifier: c.idMasked.slice(0, 40), source: 'server', enrolledFace: c.faces.length > 0 };
  }

  /** Enrolled face descriptors of a customer this directory returned (server or config), or null. */
  faceDescriptors(customerId: string): readonly (readonly number[])[] | null {
    const server = this.faces.get(customerId);
    if (server) return server.length > 0 ? server : null;
    return this.local.faceDescriptors(customerId);
  }
}
