import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import {
  BOOTH_CATALOGUE_PATH,
  CreateProductRequest,
  ProductSlug,
  UpdateProductRequest,
  VersionDefinitionInput,
  VersionParam,
} from '../../protocol/catalogue.js';
import { Sha256Hex } from '../../protocol/ids.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import type { StaffRole } from '../../protocol/staff.js';
import type { RouteAuth, StaffGuard } from '../auth/guard.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import { parseDeclaredMime } from '../catalogue/content-check.js';
import type { ContentService } from '../catalogue/content-service.js';
import { etagMatches, sendImmutableBlob } from '../../platform/blob-reply.js';

const ProductParams = z.strictObject({ productId: ProductSlug });
const VersionParams = z.strictObject({ productId: ProductSlug, version: VersionParam });
const ShaParams = z.strictObject({ sha256: Sha256Hex });

export const staff = (...roles: StaffRole[]): { config: { auth: RouteAuth } } => ({ config: { auth: { kind: 'staff', roles } } });
export const booth = (): { config: { auth: RouteAuth } } => ({ config: { auth: { kind: 'booth' } } });

const ADMIN = staff('admin');
const READ = staff('admin', 'reviewer', 'supervisor');

export interface CatalogueRouteDeps {
  catalogue: CatalogueService;
  content: ContentService;
  guard: StaffGuard;
}

/** The `staff:<id>` actor of a verified staff request. */
export function staffActor(guard: StaffGuard, req: FastifyRequest): string {
  return `staff:${guard.principal(req).staffId}`;
}

/** The declared length of a streamed body, if it sent a well-formed one. */
export function declaredLength(req: FastifyRequest): number | undefined {
  const v = req.headers['content-length'];
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v)) throw new ValidationError('request.bad_length', 'content-length is not a whole number');
  return Number(v);
}

/**
 * Raw uploads (content blobs, photos) are streamed, not buffered: inside `register`, every body
 * reaches the handler as the request stream, and the service enforces its own size limit.
 */
export function streamedBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}

export function bodyStream(req: FastifyRequest): Readable {
  return req.body as Readable;
}

/**
 * The catalogue API. Admins manage products, versions and content; reviewers and supervisors read
 * them; booths fetch the published snapshot (ETag, 304) and the content blobs it names.
 */
export async function registerCatalogueRoutes(app: FastifyInstance, deps: CatalogueRouteDeps): Promise<void> {
  const { catalogue, content, guard } = deps;
  const P = `${API_PREFIX}/catalogue`;

  app.get(`${P}/products`, READ, async () => ({ products: await catalogue.listProducts() }));

  app.post(`${P}/products`, ADMIN, async (req, reply) => {
    const body = parseOrThrow(CreateProductRequest, req.body, 'product');
    return reply.code(201).send(await catalogue.createProduct(staffActor(guard, req), body));
  });

  app.get(`${P}/products/:productId`, READ, async (req) => {
    const { productId } = parseOrThrow(ProductParams, req.params, 'product address');
    return catalogue.getProduct(productId);
  });

  app.patch(`${P}/products/:productId`, ADMIN, async (req) => {
    const { productId } = parseOrThrow(ProductParams, req.params, 'product address');
    return catalogue.updateProduct(staffActor(guard, req), productId, parseOrThrow(UpdateProductRequest, req.body, 'product update'));
  });

  app.post(`${P}/products/:productId/versions`, ADMIN, async (req, reply) => {
    const { productId } = parseOrThrow(ProductParams, req.params, 'product address');
    const def = parseOrThrow(VersionDefinitionInput, req.body, 'version definition');
    return reply.code(201).send(await catalogue.createVersion(staffActor(guard, req), productId, def));
  });

  app.get(`${P}/products/:productId/versions/:version`, READ, async (req) => {
    const { productId, version } = parseOrThrow(VersionParams, req.params, 'version address');
    return catalogue.getVersion(productId, version);
  });

  app.put(`${P}/products/:productId/versions/:version`, ADMIN, async (req) => {
    const { productId, version } = parseOrThrow(VersionParams, req.params, 'version address');
    return catalogue.updateDraft(staffActor(guard, req), productId, version, parseOrThrow(VersionDefinitionInput, req.body, 'version definition'));
  });

  app.post(`${P}/products/:productId/versions/:version/publish`, ADMIN, async (req) => {
    const { productId, version } = parseOrThrow(VersionParams, req.params, 'version address');
    return catalogue.publish(staffActor(guard, req), productId, version);
  });

  app.post(`${P}/products/:productId/versions/:version/retire`, ADMIN, async (req) => {
    const { productId, version } = parseOrThrow(VersionParams, req.params, 'version address');
    return catalogue.retire(staffActor(guard, req), productId, version);
  });

  await app.register(async (scope) => {
    streamedBodies(scope);
    scope.put(`${P}/content/:sha256`, ADMIN, async (req, reply) => {
      const { sha256 } = parseOrThrow(ShaParams, req.params, 'content address');
      const declared = parseDeclaredMime(req.headers['content-type']);
      const { info, created } = await content.upload(staffActor(guard, req), sha256, declared, bodyStream(req), declaredLength(req));
      return reply.code(created ? 201 : 200).send(info);
    });
  });

  app.get(`${P}/content/:sha256`, READ, async (req, reply) => {
    const { sha256 } = parseOrThrow(ShaParams, req.params, 'content address');
    const info = await content.info(sha256);
    return sendImmutableBlob(req, reply, info, (range) => content.open(sha256, range));
  });

  // ---- booths ----

  app.get(`${API_PREFIX}${BOOTH_CATALOGUE_PATH}`, booth(), async (req, reply) => {
    const snap = await catalogue.snapshot();
    void reply.header('etag', `"${snap.etag}"`).header('cache-control', 'private, no-cache');
    if (etagMatches(req.headers['if-none-match'], snap.etag)) return reply.code(304).send();
    return snap;
  });

  app.get(`${API_PREFIX}${BOOTH_CATALOGUE_PATH}/content/:sha256`, booth(), async (req, reply) => {
    const { sha256 } = parseOrThrow(ShaParams, req.params, 'content address');
    // Booths get only what the published catalogue names (not drafts, not withdrawn products).
    if (!(await content.servedToBooths(sha256))) throw new NotFoundError('content.unknown', `content ${sha256} is not in the published catalogue`);
    const info = await content.info(sha256);
    return sendImmutableBlob(req, reply, info, (range) => content.open(sha256, range));
  });
}
