import type { CatalogueEntry, ContentRef, VersionDefinition } from '../protocol/catalogue.js';
import { sha256Hex } from './chain.js';
import { canonicalJson } from './canonical-json.js';

/** SHA-256 of a version definition's canonical JSON (what a session records as played). */
export function definitionSha256(def: VersionDefinition): string {
  return sha256Hex(canonicalJson(def));
}

/** The snapshot's ETag: SHA-256 of the canonical JSON of its entries (same on every instance). */
export function catalogueEtag(entries: readonly CatalogueEntry[]): string {
  return sha256Hex(canonicalJson(entries));
}

/** The content blobs a definition names, each once, in step order. */
export function contentRefs(def: VersionDefinition): ContentRef[] {
  const seen = new Map<string, ContentRef>();
  for (const s of def.steps) if (s.kind !== 'text' && !seen.has(s.content.sha256)) seen.set(s.content.sha256, s.content);
  return [...seen.values()];
}
