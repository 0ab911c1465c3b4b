import { ValidationError, describeIssues } from '../../core/errors.js';
import { QUALITY_PRESETS, type FleetLanguage, type FleetSettings } from '../../protocol/fleet.js';
import { BoothConfig } from '../config.js';

/** What the booth runs with: its config with the remote settings applied, and the kiosk languages. */
export interface EffectiveConfig {
  config: BoothConfig;
  /** Kiosk languages, first the default; null: the kiosk's own. */
  languages: FleetLanguage[] | null;
}

/**
 * Applies remote settings on top of the booth's own config (`base`, from its file) and validates
 * the whole result with the booth config schema: device ids, the floor order (warn >= refuse >=
 * stop) and every range, exactly as a local config is checked. Throws ValidationError naming each
 * bad field; nothing is applied then. Unset settings keep the booth's own values.
 */
export function applyFleetSettings(base: BoothConfig, s: FleetSettings): EffectiveConfig {
  const preset = s.qualityPreset ? QUALITY_PRESETS[s.qualityPreset] : {};
  const merged = {
    ...base,
    capture: { ...base.capture, ...s.devices, ...preset, ...(s.segmentSeconds !== undefined ? { segmentSeconds: s.segmentSeconds } : {}) },
    vault: { ...base.vault, ...s.diskFloors },
    sync: { ...base.sync, ...(s.bandwidth?.uploadBytesPerSec !== undefined ? { maxBytesPerSec: s.bandwidth.uploadBytesPerSec } : {}) },
  };
  const r = BoothConfig.safeParse(merged);
  if (!r.success) throw new ValidationError('config.rejected', `the remote settings do not fit this booth: ${describeIssues(r.error.issues)}`, r.error.issues);
  // Fields the remote settings cannot reach stay exactly as they were (dataDir is already resolved).
  return { config: { ...r.data, dataDir: base.dataDir }, languages: s.languages ?? null };
}
