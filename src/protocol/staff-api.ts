import { z } from 'zod';
import { IsoTime } from './ids.js';
import { BranchId, BranchScope, StaffPrincipal, StaffRole } from './staff.js';

/** A login name: 3-64 lowercase letters, digits, dot, dash or underscore. */
export const Username = z.string().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'username must be 3-64 lowercase letters, digits, dot, dash or underscore');
export type Username = z.infer<typeof Username>;

/** A new password: 12-256 characters (a passphrase is welcome). Never logged, never stored. */
export const NewPassword = z.string().min(12, 'password must be at least 12 characters').max(256, 'password must be at most 256 characters');

/** Every role, for routes any signed-in staff member may call (`/auth/me`, logout). */
export const ALL_STAFF_ROLES: readonly StaffRole[] = StaffRole.options;

const Roles = z.array(StaffRole).min(1, 'roles must name at least one role').max(5);
export const StaffId = z.uuid({ message: 'staff id must be a UUID' });

// ---- login -------------------------------------------------------------------------------

/** POST /api/v1/auth/login */
export const LoginRequest = z.strictObject({
  username: z.string().min(1, 'username is required').max(64, 'username is at most 64 characters'),
  password: z.string().min(1, 'password is required').max(256, 'password is at most 256 characters'),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** A staff access token: a short-lived JWT bound to a login session the server can revoke. */
export const AccessTokenResponse = z.strictObject({
  accessToken: z.string().min(1),
  tokenType: z.literal('Bearer'),
  /** When this access token expires; refresh before (POST /api/v1/auth/refresh). */
  expiresAt: IsoTime,
  /** When the login itself ends; after that, log in again. */
  sessionExpiresAt: IsoTime,
  principal: StaffPrincipal,
});
export type AccessTokenResponse = z.infer<typeof AccessTokenResponse>;

// ---- staff accounts (admin) -----------------------------------------------------------------

export const StaffParams = z.strictObject({ staffId: StaffId });

/** POST /api/v1/staff */
export const CreateStaffRequest = z.strictObject({
  username: Username,
  password: NewPassword,
  roles: Roles,
  branches: BranchScope,
});
export type CreateStaffRequest = z.infer<typeof CreateStaffRequest>;

/** PATCH /api/v1/staff/:staffId: any subset; disabling ends every login of the account at once. */
export const UpdateStaffRequest = z
  .strictObject({
    roles: Roles.optional(),
    branches: BranchScope.optional(),
    disabled: z.boolean().optional(),
    password: NewPassword.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'the update must change at least one of roles, branches, disabled, password');
export type UpdateStaffRequest = z.infer<typeof UpdateStaffRequest>;

export const StaffView = z.strictObject({
  staffId: StaffId,
  username: Username,
  roles: z.array(StaffRole),
  branches: BranchScope,
  disabled: z.boolean(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type StaffView = z.infer<typeof StaffView>;

export const StaffList = z.strictObject({ staff: z.array(StaffView) });
export type StaffList = z.infer<typeof StaffList>;

// ---- branches (admin) -----------------------------------------------------------------------

export const BranchParams = z.strictObject({ branchId: BranchId });

/** POST /api/v1/branches */
export const CreateBranchRequest = z.strictObject({
  branchId: BranchId,
  name: z.string().trim().min(1, 'name is required').max(100, 'name is at most 100 characters'),
});
export type CreateBranchRequest = z.infer<typeof CreateBranchRequest>;

export const BranchView = z.strictObject({ branchId: BranchId, name: z.string(), createdAt: IsoTime });
export type BranchView = z.infer<typeof BranchView>;

export const BranchList = z.strictObject({ branches: z.array(BranchView) });
export type BranchList = z.infer<typeof BranchList>;

// ---- booth enrollment codes (admin) ---------------------------------------------------------

/** POST /api/v1/branches/:branchId/enrollment-codes */
export const CreateEnrollmentCodeRequest = z.strictObject({
  ttlHours: z.number().int('ttlHours must be a whole number').min(1, 'ttlHours must be >= 1').max(24 * 14, 'ttlHours must be <= 336 (two weeks)').default(24),
});
export type CreateEnrollmentCodeRequest = z.infer<typeof CreateEnrollmentCodeRequest>;

export const EnrollmentCodeResponse = z.strictObject({
  /** The one-time code, shown once; the server keeps only its hash. */
  code: z.string(),
  branchId: BranchId,
  expiresAt: IsoTime,
});
export type EnrollmentCodeResponse = z.infer<typeof EnrollmentCodeResponse>;

