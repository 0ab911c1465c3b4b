// The booth code a test session is sealed with, taken from src/ (benches pass the same set from
// dist/, see tests/bench/archive-bench.ts), so one helper serves both.
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import { loadOrCreateDeviceKey } from '../../src/booth/identity.js';
import { insertNewSession } from '../../src/booth/session-rows.js';
import { SessionSealer } from '../../src/booth/vault/sealer.js';
import { newDataKey } from '../../src/core/envelope.js';
import { signManifest, wrapDataKey } from '../../src/core/keys.js';
import { openSqlite } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/log.js';
import { SessionManifest } from '../../src/protocol/envelope.js';
import type { SessionCode } from './media-session.js';

export const srcSessionCode: SessionCode = { SessionSealer, openSqlite, boothMigrations, loadOrCreateDeviceKey, insertNewSession, newDataKey, wrapDataKey, signManifest, SessionManifest, createLogger };
