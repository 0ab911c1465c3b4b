import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { BoothRequest, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PREVIEW_CHANNEL } from '../src/protocol/booth-api.js';
import { describeIssues, ForbiddenError, ValidationError } from '../src/core/errors.js';
import type { BoothHost } from './booth-host-types.js';
import { isKioskUrl } from './paths.js';

export interface BoothIpcOptions {
  host: BoothHost;
  kioskUrl: string;
  /** The kiosk's webContents, or null while there is none; booth events go there. */
  target: () => WebContents | null;
}

/**
 * Answers one `IPC_CALL_CHANNEL` invocation. Rejects, without calling the booth, when the sender
 * frame is not the kiosk page (ForbiddenError) or the payload is not a `BoothRequest`
 * (ValidationError whose message names the bad field).
 */
export async function handleBoothCall(
  host: BoothHost,
  kioskUrl: string,
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  payload: unknown,
): Promise<unknown> {
  const url = event.senderFrame?.url;
  if (url === undefined || !isKioskUrl(url, kioskUrl)) {
    throw new ForbiddenError(
      'ipc.forbidden_sender',
      `booth calls are accepted only from the kiosk page, not from ${url ?? 'a frame that is gone'}`,
    );
  }
  const parsed = BoothRequest.safeParse(payload);
  if (!parsed.success) {
    throw new ValidationError('ipc.invalid_request', `invalid booth request: ${describeIssues(parsed.error.issues)}`);
  }
  return host.call(parsed.data);
}

/**
 * Wires the kiosk to the booth: registers the `IPC_CALL_CHANNEL` handler and forwards every
 * booth event to the kiosk on `IPC_EVENT_CHANNEL`. Returns a function that undoes both.
 */
export function registerBoothIpc(options: BoothIpcOptions): () => void {
  const { host, kioskUrl, target } = options;
  ipcMain.handle(IPC_CALL_CHANNEL, (event, payload: unknown) => handleBoothCall(host, kioskUrl, event, payload));
  const unsubscribe = host.onEvent((e) => {
    const wc = target();
    if (wc !== null && !wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, e);
  });
  const unsubscribePreview = host.onPreview((jpeg) => {
    const wc = target();
    if (wc !== null && !wc.isDestroyed()) wc.send(IPC_PREVIEW_CHANNEL, new Uint8Array(jpeg));
  });
  return () => {
    ipcMain.removeHandler(IPC_CALL_CHANNEL);
    unsubscribe();
    unsubscribePreview();
  };
}
