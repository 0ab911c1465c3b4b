import type { Session } from 'electron';
import { isKioskUrl } from './paths.js';

/**
 * Permission policy of the kiosk session: everything is denied except `media` (camera and
 * microphone) requested by the main frame of the kiosk page. Device pickers (HID, serial, USB)
 * and downloads are refused too.
 */
export function installPermissionPolicy(ses: Session, kioskUrl: string): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    callback(permission === 'media' && details.isMainFrame && isKioskUrl(details.requestingUrl, kioskUrl));
  });
  ses.setPermissionCheckHandler((_wc, permission, _origin, details) => {
    return (
      permission === 'media' &&
      details.isMainFrame &&
      details.requestingUrl !== undefined &&
      isKioskUrl(details.requestingUrl, kioskUrl)
    );
  });
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => {
    event.preventDefault();
  });
}
