import { createHash } from 'node:crypto';
import type { FleetSettings } from '../protocol/fleet.js';

/**
 * Booth layer over branch layer: nested objects merge key by key and a value the booth layer sets
 * wins (an explicit null bandwidth cap too). The result is what the booth applies.
 */
export function mergeFleetSettings(branch: FleetSettings, booth: FleetSettings): FleetSettings {
  const out: Record<string, unknown> = { ...branch, ...booth };
  for (const k of ['devices', 'diskFloors', 'bandwidth'] as const) {
    if (branch[k] !== undefined || booth[k] !== undefined) out[k] = { ...branch[k], ...booth[k] };
  }
  return out as FleetSettings;
}

/**
 * The booth's rollout bucket, 0-99: a stable hash of its id, the same for every release, so a 10 %
 * rollout reaches the same booths first each time and widening it only adds booths.
 */
export function rolloutBucket(boothId: string): number {
  return createHash('sha256').update(`dualrec-rollout-v1\n${boothId}`).digest().readUInt32BE(0) % 100;
}

/** Whether a booth falls inside a rollout: its branch is listed (or all are) and its bucket is below the percentage. */
export function inRollout(booth: { boothId: string; branchId: string | null }, rollout: { percent: number; branches: readonly string[] | null }): boolean {
  if (rollout.branches !== null && (booth.branchId === null || !rollout.branches.includes(booth.branchId))) return false;
  return rolloutBucket(booth.boothId) < rollout.percent;
}
