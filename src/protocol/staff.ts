import { z } from 'zod';

/**
 * Staff roles. booth_staff: assists at a branch booth; remote_staff: assists over video from head
 * office; reviewer: reviews recordings; supervisor: signs off reviews, manages legal holds; admin:
 * catalogue, accounts, fleet. Roles are additive; a principal holds one or more.
 */
export const StaffRole = z.enum(['booth_staff', 'remote_staff', 'reviewer', 'supervisor', 'admin']);
export type StaffRole = z.infer<typeof StaffRole>;

/** A branch code: lowercase letters, digits and dashes, e.g. `sh-pudong-01`. */
export const BranchId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a branch id is 1-63 lowercase letters, digits or dashes');
export type BranchId = z.infer<typeof BranchId>;

/** Branch scope of a staff account: a list of branches, or every branch (`'*'`, head office). */
export const BranchScope = z.union([z.literal('*'), z.array(BranchId).min(1).max(1000)]);
export type BranchScope = z.infer<typeof BranchScope>;

/** Who is calling, once a staff token has been verified. */
export const StaffPrincipal = z.strictObject({
  staffId: z.uuid(),
  username: z.string().min(1).max(64),
  roles: z.array(StaffRole).min(1),
  branches: BranchScope,
});
export type StaffPrincipal = z.infer<typeof StaffPrincipal>;
