import type { BoothEvent, BoothRequest } from '../src/protocol/booth-api.js';
import type { UpdatePort } from '../src/booth/fleet/updates.js';

/**
 * What the Electron shell needs from the booth services. `call` answers a request already
 * validated with `BoothRequest`; `onEvent` returns a function that unsubscribes; `close` stops
 * the booth and is safe to call twice.
 */
export interface BoothHost {
  call(req: BoothRequest): Promise<unknown>;
  onEvent(cb: (e: BoothEvent) => void): () => void;
  /** Camera preview JPEGs while recording (FFmpeg owns the camera); returns an unsubscribe. */
  onPreview(cb: (jpeg: Buffer) => void): () => void;
  /** Absolute path of a product's disclosure video (served to the kiosk on the content scheme). */
  disclosureFile(productId: string): Promise<string>;
  /** Absolute path of a verified file of the booth's cached catalogue, by its SHA-256 (content scheme). */
  catalogueFile(sha256: string): Promise<string>;
  close(): Promise<void>;
  /** What the auto-updater asks of the booth (main/updater.ts); absent when the booth did not start. */
  updates?: UpdatePort;
}
