/** readme.txt of an evidence package: what is inside and how to check it without dualrec. */
export function packageReadme(sessionId: string, packageId: string): string {
  return `dualrec evidence package
session ${sessionId}
package ${packageId}

This file is a POSIX tar archive followed by one signature line. Check all of it with the
archive's Ed25519 public key (obtained from the archive operator, NOT from this package):

  dualrec verify <this file> --archive-public-key archive-signing.pem

Any altered byte anywhere in the file fails that check.

Contents
  readme.txt                     this text
  session/manifest.json          the session manifest as the booth signed it (canonical JSON)
  session/manifest.sig           the booth's Ed25519 signature of manifest.json (64 raw bytes)
  session/booth-public-key.pem   the booth's Ed25519 public key, registered at enrollment
  session/record.json            the archive record, as stored beside the recording
  chain/segments.json            each segment's SHA-256 and its link in the hash chain
  recording/recording.mp4        the archived recording, exactly as stored
  recording/segments/*.ts        each segment decrypted (SHA-256 signed by the booth), if included
  recording/derived/*            files derived from the recording (burned-in video, audio, ...), if any
  audit/excerpt.json             the audit log's entries about this session, re-hashable into its chain
  report/verification.json       the archive's own verification of the session when it exported it
  dualrec/index.json             every member above with its SHA-256 and size
  dualrec/index.sig              the archive's Ed25519 signature of index.json (64 raw bytes)

By hand, with OpenSSL 3 and coreutils, after \`tar -xf <this file>\`:

  openssl pkeyutl -verify -pubin -inkey archive-signing.pem -rawin -in dualrec/index.json -sigfile dualrec/index.sig
  sha256sum <member>        # compare with dualrec/index.json
  openssl pkeyutl -verify -pubin -inkey session/booth-public-key.pem -rawin -in session/manifest.json -sigfile session/manifest.sig
  sha256sum recording/segments/*.ts   # compare with plainSha256 in session/manifest.json
`;
}
