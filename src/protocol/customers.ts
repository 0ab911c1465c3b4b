import { z } from 'zod';
import { ContentRef, noControlChars } from './catalogue.js';
import { IsoTime } from './ids.js';
import { BranchId } from './staff.js';

/**
 * Customers and their enrolled faces. The identity document number is never stored in clear:
 * the server keeps a keyed hash (HMAC-SHA-256 with a server secret) to find a customer by it and
 * a masked form (last four characters) to show. Lookups therefore need the full number.
 */

export const IdDocumentType = z.enum(['cn_resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent_resident', 'other']);
export type IdDocumentType = z.infer<typeof IdDocumentType>;

const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_ID_CHECK = '10X98765432';

/** GB 11643-1999 check character of an 18-character resident identity number. */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * RESIDENT_ID_WEIGHTS[i]!;
  return RESIDENT_ID_CHECK[sum % 11]!;
}

/** Spaces and dashes removed, upper case: how numbers are compared and hashed. */
export function normalizeIdNumber(n: string): string {
  return n.replace(/[\s-]/g, '').toUpperCase();
}

export const IdDocument = z
  .strictObject({
    type: IdDocumentType,
    number: z.string().max(64, 'a document number is at most 64 characters').transform(normalizeIdNumber),
  })
  .superRefine((d, ctx) => {
    if (d.type === 'cn_resident_id') {
      if (!/^\d{17}[\dX]$/.test(d.number)) ctx.addIssue({ code: 'custom', path: ['number'], message: 'a resident identity number is 17 digits and a check digit or X' });
      else if (residentIdCheckChar(d.number) !== d.number[17]) ctx.addIssue({ code: 'custom', path: ['number'], message: 'the resident identity number fails its check digit' });
    } else if (!/^[A-Z0-9]{4,32}$/.test(d.number)) {
      ctx.addIssue({ code: 'custom', path: ['number'], message: 'a document number is 4-32 letters or digits' });
    }
  });
export type IdDocument = z.infer<typeof IdDocument>;

export const CustomerId = z.uuid({ message: 'customer id must be a UUID' });

/** The face-api 128-d descriptor (FaceRecognitionNet) and the model that made it. */
export const FACE_DESCRIPTOR_LENGTH = 128;
export const FaceModel = z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,63}$/, 'a face model name is 1-64 lowercase letters, digits, dot, dash, underscore or slash');
export const FaceDescriptor = z
  .array(z.number().finite().min(-10).max(10))
  .length(FACE_DESCRIPTOR_LENGTH, `a face descriptor has ${FACE_DESCRIPTOR_LENGTH} numbers`)
  .refine((v) => v.some((x) => x !== 0), 'a face descriptor cannot be all zeros');

/** The default: @vladmandic/face-api's FaceRecognitionNet (ResNet-34, 128-d). */
export const DEFAULT_FACE_MODEL = 'face-api/face_recognition_model';

export const FaceSource = z.enum(['photo', 'booth', 'import']);

export const EnrolledFace = z.strictObject({
  faceId: z.number().int().min(1),
  model: FaceModel,
  /** Null while only a photo is enrolled (the descriptor is computed from it later). */
  descriptor: FaceDescriptor.nullable(),
  photo: ContentRef.nullable(),
  source: FaceSource,
  enrolledAt: IsoTime,
  enrolledBy: z.string(),
});
export type EnrolledFace = z.infer<typeof EnrolledFace>;

export const CustomerName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine(noControlChars, 'must not contain control characters');

export const Customer = z.strictObject({
  customerId: CustomerId,
  branchId: BranchId,
  name: CustomerName,
  idType: IdDocumentType,
  /** e.g. `**************123X`: enough to confirm with the customer, not to read the number. */
  idMasked: z.string(),
  faces: z.array(EnrolledFace),
  createdAt: IsoTime,
  createdBy: z.string(),
});
export type Customer = z.infer<typeof Customer>;

export const AddFaceRequest = z
  .strictObject({
    model: FaceModel.default(DEFAULT_FACE_MODEL),
    descriptor: FaceDescriptor.optional(),
    /** SHA-256 of a photo uploaded with PUT /customers/:id/photos/:sha256. */
    photoSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256').optional(),
    source: FaceSource.default('photo'),
  })
  .refine((f) => f.descriptor !== undefined || f.photoSha256 !== undefined, 'a face needs a descriptor, a photo, or both');
export type AddFaceRequest = z.infer<typeof AddFaceRequest>;

export const CreateCustomerRequest = z.strictObject({
  branchId: BranchId,
  name: CustomerName,
  idDocument: IdDocument,
  faces: z.array(z.strictObject({ model: FaceModel.default(DEFAULT_FACE_MODEL), descriptor: FaceDescriptor })).max(5).default([]),
});
export type CreateCustomerRequest = z.infer<typeof CreateCustomerRequest>;

/** Staff: find a customer of a branch by document number (POST so the number is not in a URL). */
export const CustomerLookupRequest = z.strictObject({ branchId: BranchId, idDocument: IdDocument });
export type CustomerLookupRequest = z.infer<typeof CustomerLookupRequest>;

/** Booth: find a customer of the booth's branch by document number, for the face check. */
export const BoothCustomerLookupRequest = z.strictObject({ idDocument: IdDocument });
export type BoothCustomerLookupRequest = z.infer<typeof BoothCustomerLookupRequest>;

/** What a booth gets: descriptors to match against, never the number or the photo. */
export const BoothCustomer = z.strictObject({
  customerId: CustomerId,
  branchId: BranchId,
  name: CustomerName,
  idType: IdDocumentType,
  idMasked: z.string(),
  faces: z.array(z.strictObject({ faceId: z.number().int().min(1), model: FaceModel, descriptor: FaceDescriptor })),
});
export type BoothCustomer = z.infer<typeof BoothCustomer>;
