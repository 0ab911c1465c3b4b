import { contentRefs } from '../../core/catalogue.js';
import type { ContentInfo, VersionDefinition } from '../../protocol/catalogue.js';

/** How much shorter than a step's minSeconds a video or audio may measure (container rounding). */
const DURATION_SLACK_SEC = 0.5;

/** What publish needs of the content store. */
export interface ContentLookup {
  /** Stored blobs among `sha256s` whose bytes are present in storage, by hash. */
  present(sha256s: readonly string[]): Promise<Map<string, ContentInfo>>;
}

/**
 * Everything that keeps a definition from being published, one sentence each (empty when it can
 * be): a named blob that is not stored, stored with another size or type, or a video/audio
 * shorter than the step's minimum.
 */
export async function publishProblems(def: VersionDefinition, content: ContentLookup): Promise<string[]> {
  const stored = await content.present(contentRefs(def).map((c) => c.sha256));
  const problems: string[] = [];
  for (const step of def.steps) {
    if (step.kind === 'text') continue;
    const ref = step.content;
    const info = stored.get(ref.sha256);
    const name = `step ${step.id}`;
    if (!info) {
      problems.push(`${name} names content ${ref.sha256} which is not uploaded`);
      continue;
    }
    if (info.bytes !== ref.bytes) problems.push(`${name} says content ${ref.sha256.slice(0, 12)}… is ${ref.bytes} bytes, it is stored with ${info.bytes}`);
    if (info.mime !== ref.mime) problems.push(`${name} says content ${ref.sha256.slice(0, 12)}… is ${ref.mime}, it is stored as ${info.mime}`);
    if (info.kind !== step.kind) problems.push(`${name} is a ${step.kind} step but content ${ref.sha256.slice(0, 12)}… is ${info.kind}`);
    if (info.durationSec !== null && info.durationSec + DURATION_SLACK_SEC < step.minSeconds) {
      problems.push(`${name} must play at least ${step.minSeconds} s but its ${info.kind} lasts ${info.durationSec} s`);
    }
  }
  return problems;
}
