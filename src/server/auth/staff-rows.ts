import { z } from 'zod';
import { parseStoredJson } from '../../core/validate.js';
import { BranchScope, StaffRole, type StaffPrincipal } from '../../protocol/staff.js';
import type { StaffView } from '../../protocol/staff-api.js';
import type { ServerDb } from '../db/schema.js';

export type StaffRow = ServerDb['staff'];

const Roles = z.array(StaffRole).min(1);

const parseJson = <S extends z.ZodType>(schema: S, text: string, what: string): z.infer<S> => parseStoredJson(schema, text, what, 'staff.bad_row');

/** The principal a staff row stands for (its stored JSON validated on the way out). */
export function principalOf(row: Pick<StaffRow, 'staff_id' | 'username' | 'roles_json' | 'branches_json'>): StaffPrincipal {
  return {
    staffId: row.staff_id,
    username: row.username,
    roles: parseJson(Roles, row.roles_json, `roles of staff ${row.staff_id}`),
    branches: parseJson(BranchScope, row.branches_json, `branch scope of staff ${row.staff_id}`),
  };
}

export function staffViewOf(row: StaffRow): StaffView {
  const p = principalOf(row);
  return { staffId: p.staffId, username: p.username, roles: p.roles, branches: p.branches, disabled: row.disabled === 1, createdAt: row.created_at, updatedAt: row.updated_at };
}
