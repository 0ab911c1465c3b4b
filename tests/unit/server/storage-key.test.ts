import { describe, expect, it } from 'vitest';
import { checkKey } from '../../../src/server/storage/blob-store.js';

describe('storage keys', () => {
  it('accepts the keys the archive uses', () => {
    expect(checkKey('segments/6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01/000001.seg')).toBeTruthy();
    expect(checkKey('archive/x/recording.mp4')).toBeTruthy();
  });
  it.each(['../etc/passwd', 'a/../../b', '/abs/path', 'a//b', 'a\\b', '', '.hidden', 'a/./b', 'a/'])('rejects %j', (key) => {
    expect(() => checkKey(key)).toThrow(/invalid storage key/);
  });
});
