import type { MachineReport, ScreenshotView } from '../../protocol/review.js';

// The seams between the machine review (src/server/review/machine/, screenshots/) and the review
// workflow (src/server/review/workflow/): the workflow reads what the machine made through these
// and is told when a machine review is done. Composition root: src/server/server.ts.

/** The stored machine reports (one per session; a re-run replaces the row, never the evidence). */
export interface MachineReports {
  get(sessionId: string): Promise<MachineReport | null>;
}

/** Screenshots sampled from a session's recording (as its segments arrive) with their flags. */
export interface Screenshots {
  list(sessionId: string): Promise<ScreenshotView[]>;
  /** The JPEG bytes; NotFoundError for an unknown id or another session's id. */
  image(sessionId: string, screenshotId: string): Promise<Buffer>;
  /** The newest screenshot of each session still recording (live monitoring). */
  latest(sessionIds: readonly string[]): Promise<Map<string, ScreenshotView>>;
}

/** Told when the machine review of a session has finished (or given up: report with machine_review_error). */
export interface MachineReviewListener {
  machineReviewed(sessionId: string, report: MachineReport): Promise<void>;
}
