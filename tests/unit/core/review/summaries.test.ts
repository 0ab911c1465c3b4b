import { describe, expect, it } from 'vitest';
import { generateKeywords } from '../../../../src/core/keywords.js';
import { summarizeFaces } from '../../../../src/core/review/face-summary.js';
import { screenshotMatch } from '../../../../src/core/review/screenshot-match.js';
import { refusalsAfter, summarizeSpeech } from '../../../../src/core/review/speech-summary.js';
import type { FaceSample } from '../../../../src/protocol/review.js';

const samples = (faces: number[], from = 0, distance: (i: number) => number | null = () => null): FaceSample[] => faces.map((n, i) => ({ atSec: from + i, faces: n, distance: distance(i) }));

describe('face summary', () => {
  it('measures shares, the longest absence and where it began', () => {
    const s = summarizeFaces(samples([1, 1, 0, 0, 0, 1, 0, 1, 2, 1]), 1, 0.42);
    expect(s).toMatchObject({ presentShare: 0.5, matchedShare: null, longestAbsenceSec: 3, longestAbsenceAtSec: 2, extraFaceSamples: 1, threshold: 0.42, everySec: 1 });
    expect(s.samples).toHaveLength(10);
  });

  it('ends an absence at the end of the recording one interval after its last sample', () => {
    expect(summarizeFaces(samples([1, 0, 0]), 1, 0.42)).toMatchObject({ longestAbsenceSec: 2, longestAbsenceAtSec: 1 });
    expect(summarizeFaces([0, 2, 4, 6].map((atSec) => ({ atSec, faces: 0, distance: null })), 2, 0.42)).toMatchObject({ longestAbsenceSec: 8, longestAbsenceAtSec: 0, presentShare: 0 });
  });

  it('never lets an absence run across a hole in the recording', () => {
    const s = summarizeFaces([...samples([1, 0, 0]), ...samples([0, 0, 1], 20)], 1, 0.42);
    expect(s.longestAbsenceSec).toBe(2);
  });

  it('counts matched samples among the measured ones only', () => {
    const s = summarizeFaces(samples([1, 1, 1, 1, 0], 0, (i) => [0.3, null, 0.5, 0.42, null][i]!), 1, 0.42);
    expect(s.matchedShare).toBeCloseTo(2 / 3, 3);
  });

  it('summarises an empty pass as nothing present', () => {
    expect(summarizeFaces([], 1, 0.42)).toMatchObject({ presentShare: 0, matchedShare: null, longestAbsenceSec: 0, longestAbsenceAtSec: null, extraFaceSamples: 0 });
  });
});

describe('speech summary', () => {
  const one = [{ id: 'confirm', text: '我确认购买', keywords: generateKeywords('我确认购买') }];
  const parted = [{ id: 'risk', text: '我已知晓风险，自愿购买', keywords: generateKeywords('我已知晓风险，自愿购买') }];

  it('is confirmed by the full spelling heard after the disclosure, at that time', () => {
    const s = summarizeSpeech([{ phraseId: 'confirm', text: '我确认购买', atSec: 14.2 }], 3, one, 11);
    expect(s).toEqual({ heard: [{ phraseId: 'confirm', text: '我确认购买', atSec: 14.2 }], confirmed: true, confirmedAtSec: 14.2, utterances: 3, score: null });
  });

  it('ignores what was said before the disclosure ended', () => {
    expect(summarizeSpeech([{ phraseId: 'confirm', text: '我确认购买', atSec: 5 }], 1, one, 11)).toMatchObject({ heard: [], confirmed: false, confirmedAtSec: null });
  });

  it('is confirmed by every part of a long phrase, when the last part is heard', () => {
    const hits = [
      { phraseId: 'risk', text: '自愿购买', atSec: 20 },
      { phraseId: 'risk', text: '我已知晓风险', atSec: 15 },
    ];
    expect(summarizeSpeech(hits, 2, parted, 10)).toMatchObject({ confirmed: true, confirmedAtSec: 20 });
    expect(summarizeSpeech(hits.slice(1), 1, parted, 10)).toMatchObject({ confirmed: false });
  });

  it('lists refusals but never counts them as the confirmation, and is never confirmed without phrases', () => {
    const hits = [{ phraseId: 'refusal', text: '我不同意', atSec: 13 }];
    const s = summarizeSpeech(hits, 1, one, 11);
    expect(s.confirmed).toBe(false);
    expect(refusalsAfter(s.heard, 11)).toEqual([{ phraseId: 'refusal', text: '我不同意', atSec: 13 }]);
    expect(refusalsAfter(s.heard, 14)).toEqual([]);
    expect(summarizeSpeech([{ phraseId: 'x', text: 'y', atSec: 1 }], 1, [], 0).confirmed).toBe(false);
  });
});

describe('screenshot match', () => {
  const samples: FaceSample[] = [
    { atSec: 0, faces: 1, distance: 0.3 },
    { atSec: 1, faces: 1, distance: null },
    { atSec: 5, faces: 1, distance: 0.55 },
    { atSec: 30, faces: 1, distance: 0.2 },
  ];

  it('takes the nearest measured sample within reach and flags a mismatch', () => {
    expect(screenshotMatch(0, 1, [], samples, 0.42, 3.5)).toEqual({ distance: 0.3, flags: [] });
    expect(screenshotMatch(4, 1, [], samples, 0.42, 3.5)).toEqual({ distance: 0.55, flags: ['face_mismatch'] });
    expect(screenshotMatch(5, 1, ['face_mismatch'], samples, 0.42, 3.5)).toEqual({ distance: 0.55, flags: ['face_mismatch'] });
  });

  it('measures nothing without one face or a sample in reach, and drops a stale mismatch flag', () => {
    expect(screenshotMatch(15, 1, ['face_mismatch'], samples, 0.42, 3.5)).toEqual({ distance: null, flags: [] });
    expect(screenshotMatch(0, 0, ['no_face'], samples, 0.42, 3.5)).toEqual({ distance: null, flags: ['no_face'] });
    expect(screenshotMatch(5, 2, ['multiple_faces'], samples, 0.42, 3.5)).toEqual({ distance: null, flags: ['multiple_faces'] });
    expect(screenshotMatch(30, null, [], samples, 0.42, 3.5)).toEqual({ distance: null, flags: [] });
  });
});
