import type { CustomerQuery } from '../protocol/kiosk-flow.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** True when an 18-character resident ID number has the right check character (GB 11643, ISO 7064 MOD 11-2). */
export function idNumberChecks(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11] === id[17];
}

/**
 * What the kiosk and the timeline show of an identifier: an ID number keeps its first 3 and last 4
 * characters (110***********002X), a teller code its last 4.
 */
export function maskIdentifier(q: CustomerQuery): string {
  if (q.method === 'idNumber') return `${q.value.slice(0, 3)}${'*'.repeat(q.value.length - 7)}${q.value.slice(-4)}`;
  return q.value.length <= 4 ? '*'.repeat(q.value.length) : `${'*'.repeat(q.value.length - 4)}${q.value.slice(-4)}`;
}

/** A name with every character but the first masked, keeping the last of names of 3 or more (张*明, 李*, J***). */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.join('') || '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}
