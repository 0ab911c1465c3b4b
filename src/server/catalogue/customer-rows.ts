import type { Selectable } from 'kysely';
import { IntegrityError } from '../../core/errors.js';
import { Customer } from '../../protocol/customers.js';
import type { ServerDb } from '../db/schema.js';

/** A face row with its photo's size and type (NULL without a photo). */
export type FaceRow = Omit<Selectable<ServerDb['customer_faces']>, 'customer_id'> & { photo_bytes: number | null; photo_mime: string | null };

export const photoKey = (customerId: string, sha256: string) => `customers/${customerId}/photos/${sha256}`;

function json(text: string | null, what: string): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new IntegrityError('customer.bad_row', `stored ${what} is not JSON`);
  }
}

/** A customer and its faces as read back, validated (a row that does not fit is an IntegrityError). */
export function customerFromRows(r: Selectable<ServerDb['customers']>, faces: readonly FaceRow[]): Customer {
  const value = {
    customerId: r.customer_id,
    branchId: r.branch_id,
    name: r.name,
    idType: r.id_type,
    idMasked: r.id_masked,
    createdAt: r.created_at,
    createdBy: r.created_by,
    faces: faces.map((f) => ({
      faceId: Number(f.face_id),
      model: f.model,
      descriptor: json(f.descriptor_json, `face ${f.face_id}`),
      photo: f.photo_sha256 === null ? null : { sha256: f.photo_sha256, bytes: Number(f.photo_bytes), mime: f.photo_mime },
      source: f.source,
      enrolledAt: f.enrolled_at,
      enrolledBy: f.enrolled_by,
    })),
  };
  const parsed = Customer.safeParse(value);
  if (!parsed.success) throw new IntegrityError('customer.bad_row', `stored customer ${r.customer_id} does not validate: ${parsed.error.message}`);
  return parsed.data;
}
