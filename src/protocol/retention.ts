import { z } from 'zod';

/**
 * How long a product's recordings are kept. Regulation counts from the end of the product or
 * contract, which the archive does not know at recording time, so each class is kept for its
 * years after the session, and a supervisor can extend a record (or hold it) when the contract
 * runs longer.
 * - banking-wm: bank wealth management, at least 6 months after the product ends (kept 5 years);
 * - insurance-5y / insurance-10y: insurance sales, 5 or 10 years after the contract ends;
 * - long-term: long-dated wealth-management sales (30 years).
 */
export const RetentionClass = z.enum(['banking-wm', 'insurance-5y', 'insurance-10y', 'long-term']);
export type RetentionClass = z.infer<typeof RetentionClass>;

export const RETENTION_YEARS: Readonly<Record<RetentionClass, number>> = {
  'banking-wm': 5,
  'insurance-5y': 5,
  'insurance-10y': 10,
  'long-term': 30,
};
