import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.js';
import { BOOTH_CUSTOMER_LOOKUP_PATH } from '../../protocol/catalogue.js';
import { AddFaceRequest, BoothCustomerLookupRequest, CreateCustomerRequest, CustomerId, CustomerLookupRequest } from '../../protocol/customers.js';
import { Sha256Hex } from '../../protocol/ids.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import type { StaffGuard } from '../auth/guard.js';
import { parseDeclaredMime } from '../catalogue/content-check.js';
import type { BoothCaller, CustomerAccess, CustomerService } from '../catalogue/customer-service.js';
import { sendImmutableBlob } from '../../platform/blob-reply.js';
import { BOOTH_ROUTE, staffRoute } from '../auth/route-config.js';
import { actorOf, bodyStream, declaredLength, streamedBodies } from './catalogue-routes.js';

const CustomerParams = z.strictObject({ customerId: CustomerId });
const PhotoParams = z.strictObject({ customerId: CustomerId, sha256: Sha256Hex });

/** Staff at the booth or remote create customers and enrol faces; reviewers and supervisors read too. */
const ENROL = staffRoute('booth_staff', 'remote_staff');
const READ = staffRoute('booth_staff', 'remote_staff', 'reviewer', 'supervisor');

export interface CustomerRouteDeps {
  customers: CustomerService;
  guard: StaffGuard;
  /** The booth the auth hook verified on a booth route (its id and branch). */
  boothOf: (req: FastifyRequest) => BoothCaller;
}

/**
 * The customer API, branch-scoped: staff act on customers of the branches in their scope; a booth
 * looks up customers of its own branch by document number and gets face descriptors only.
 */
export async function registerCustomerRoutes(app: FastifyInstance, deps: CustomerRouteDeps): Promise<void> {
  const { customers, guard } = deps;
  const P = `${API_PREFIX}/customers`;
  const access = (req: FastifyRequest): CustomerAccess => ({ actor: actorOf(guard, req), scope: guard.branchFilter(guard.principal(req)) });

  app.post(P, ENROL, async (req, reply) => {
    const body = parseOrThrow(CreateCustomerRequest, req.body, 'customer');
    return reply.code(201).send(await customers.create(access(req), body));
  });

  app.post(`${P}/lookup`, READ, async (req) => customers.lookup(access(req), parseOrThrow(CustomerLookupRequest, req.body, 'customer lookup')));

  app.get(`${P}/:customerId`, READ, async (req) => {
    const { customerId } = parseOrThrow(CustomerParams, req.params, 'customer address');
    return customers.get(access(req), customerId);
  });

  app.post(`${P}/:customerId/faces`, ENROL, async (req, reply) => {
    const { customerId } = parseOrThrow(CustomerParams, req.params, 'customer address');
    return reply.code(201).send(await customers.addFace(access(req), customerId, parseOrThrow(AddFaceRequest, req.body, 'face')));
  });

  await app.register(async (scope) => {
    streamedBodies(scope);
    scope.put(`${P}/:customerId/photos/:sha256`, ENROL, async (req, reply) => {
      const { customerId, sha256 } = parseOrThrow(PhotoParams, req.params, 'photo address');
      const declared = parseDeclaredMime(req.headers['content-type']);
      return reply.code(201).send(await customers.putPhoto(access(req), customerId, sha256, declared, bodyStream(req), declaredLength(req)));
    });
  });

  app.get(`${P}/:customerId/photos/:sha256`, READ, async (req, reply) => {
    const { customerId, sha256 } = parseOrThrow(PhotoParams, req.params, 'photo address');
    const photo = await customers.openPhoto(access(req), customerId, sha256);
    return sendImmutableBlob(req, reply, photo.ref, async () => ({ stream: await photo.open(), range: null }));
  });

  app.post(`${API_PREFIX}${BOOTH_CUSTOMER_LOOKUP_PATH}`, BOOTH_ROUTE, async (req) => customers.lookupForBooth(deps.boothOf(req), parseOrThrow(BoothCustomerLookupRequest, req.body, 'customer lookup')));
}
