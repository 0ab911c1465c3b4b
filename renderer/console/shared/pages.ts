import type { StaffRole } from '../../../src/protocol/staff.js';

/** The console pages the server serves under /ui/, and the roles each one is for. */
export type ConsolePage = 'review' | 'fleet';

const PAGES: readonly { page: ConsolePage; href: string; roles: readonly StaffRole[] }[] = [
  { page: 'review', href: '/ui/console/review/', roles: ['reviewer', 'supervisor'] },
  { page: 'fleet', href: '/ui/console/fleet/', roles: ['admin'] },
];

/** The pages a holder of `roles` may use, in nav order. */
export function consolePages(roles: readonly StaffRole[]): { page: ConsolePage; href: string }[] {
  return PAGES.filter((p) => p.roles.some((r) => roles.includes(r))).map(({ page, href }) => ({ page, href }));
}
