import { describe, expect, it } from 'vitest';
import { buildCaptureArgs } from '../../../src/booth/capture/args.js';
import { buildInputArgs } from '../../../src/booth/capture/devices/input-args.js';
import { selectionFromConfig } from '../../../src/booth/capture/devices/selection.js';
import { CaptureConfig, parseBoothConfig } from '../../../src/booth/config.js';
import { sessionKeywords } from '../../../src/booth/checks/session-checks.js';
import { generateKeywords } from '../../../src/core/keywords.js';
import { DEFAULT_FACE_THRESHOLD, StartChecksRequest } from '../../../src/protocol/checks.js';
import { BoothEvent, BoothRequest } from '../../../src/protocol/booth-api.js';

const plan = (c: CaptureConfig) => buildInputArgs('linux', selectionFromConfig(c, 'linux', {}));

describe('checks configuration and requests', () => {
  it('defaults: checks on, the measured face threshold, no speech model until one is configured', () => {
    const c = parseBoothConfig({});
    expect(c.checks.enabled).toBe(true);
    expect(c.checks.policy.face.threshold).toBe(DEFAULT_FACE_THRESHOLD);
    expect(c.checks.speech.kwsModelDir).toBeNull();
    // The kiosk flow's checks stay with staff until the engines are turned on for it.
    expect(c.checks.kiosk).toBe(false);
    expect(c.checks.policy.confirmation.refusals).toContain('我不同意');
  });

  it('names bad checks fields', () => {
    expect(() => parseBoothConfig({ checks: { policy: { face: { threshold: 2 } } } })).toThrow(/checks\.policy\.face\.threshold/);
    expect(() => parseBoothConfig({ checks: { speech: { keywordsThreshold: 0 } } })).toThrow(/checks\.speech\.keywordsThreshold/);
    expect(() => parseBoothConfig({ checks: { colour: 1 } })).toThrow(/checks/);
    expect(() => parseBoothConfig({ checks: { kiosk: 'yes' } })).toThrow(/checks\.kiosk/);
  });

  it('validates startChecks: a 128-number descriptor and Chinese phrases', () => {
    const d = new Array(128).fill(0.1);
    const phrase = { id: 'buy', text: '我确认购买', keywords: generateKeywords('我确认购买') };
    const ok = { type: 'startChecks', enrolledDescriptors: [d], phrases: [phrase] };
    expect(BoothRequest.parse(ok).type).toBe('startChecks');
    expect(StartChecksRequest.safeParse({ ...ok, enrolledDescriptors: [[1, 2]] }).error?.issues[0]?.message).toMatch(/128 numbers/);
    expect(StartChecksRequest.safeParse({ ...ok, enrolledDescriptors: [] }).error?.issues[0]?.message).toMatch(/at least one enrolled/);
    expect(StartChecksRequest.safeParse({ ...ok, enrolledDescriptors: [[...d.slice(1), Number.NaN]] }).success).toBe(false);
    expect(StartChecksRequest.safeParse({ ...ok, phrases: [] }).success).toBe(false);
    expect(StartChecksRequest.safeParse({ ...ok, phrases: [{ ...phrase, id: 'Buy Now' }] }).success).toBe(false);
    expect(StartChecksRequest.safeParse({ ...ok, phrases: [{ ...phrase, text: 'I agree' }] }).success).toBe(false);
    expect(StartChecksRequest.safeParse({ ...ok, phrases: [{ id: 'buy', text: '我确认购买' }] }).success).toBe(false);
    expect(BoothRequest.parse({ type: 'disclosureEnded' }).type).toBe('disclosureEnded');
    expect(BoothRequest.safeParse({ type: 'disclosureEnded', extra: 1 }).success).toBe(false);
  });

  it('carries check events to the kiosk as typed booth events', () => {
    const view = { active: true, face: { status: 'verifying', attempt: 1, lastDistance: null, threshold: 0.42 }, presence: { state: null, sinceSec: null }, confirmation: { status: 'waiting_disclosure', attempt: 0, replays: 0, windowEndsAtSec: null }, passed: false };
    const e = { type: 'check', event: { type: 'face.reacquire', at: '2026-01-01T00:00:00.000Z', atSec: 3, attempt: 2, reason: 'no_face' }, view };
    expect(BoothEvent.parse(e)).toEqual(e);
    expect(BoothEvent.safeParse({ ...e, event: { ...e.event, reason: 'sleepy' } }).success).toBe(false);
  });

  it('listens for every spelling of every phrase (full and parts) and each refusal once, in dictionary tones', () => {
    const phrases = ['本人已阅读，理解风险提示', '我确认购买'].map((text, i) => ({ id: `p${i}`, text, keywords: generateKeywords(text) }));
    const k = sessionKeywords(phrases, ['我不同意', '我不同意', '不确认']);
    expect(k.map((x) => `${x.phraseId}:${x.label}`)).toEqual(['p0:本人已阅读理解风险提示', 'p0:本人已阅读', 'p0:理解风险提示', 'p1:我确认购买', 'refusal:我不同意', 'refusal:不确认']);
    expect(k.at(-1)!.tokens.join(' ')).toBe('b ù q uè r èn');
    expect(k[3]!.tokens.join(' ')).toBe('w ǒ q uè r èn g òu m ǎi');
  });
});

describe('fake camera image and microphone audio (test and demo sources)', () => {
  it('loops a still image as the camera and an audio file as the microphone in one lavfi input', () => {
    const c = CaptureConfig.parse({ screen: 'none', fake: { cameraImage: '/data/face.jpg', micAudio: '/data/say.wav' } });
    const p = plan(c);
    expect(p.inputCount).toBe(1);
    const graph = p.args.join(' ');
    expect(graph).toContain('movie=/data/face.jpg,loop=loop=-1:size=1,setpts=N/(15*TB),scale=640:480:force_original_aspect_ratio=decrease,pad=640:480');
    expect(graph).toContain('amovie=/data/say.wav:loop=0,aresample=48000');
    expect(buildCaptureArgs(c, p, { segmentPattern: '/s/seg-%06d.ts', tsOffsetSec: 0 })).toContain('pipe:4');
  });

  it('keeps the tone when only the image is set, and ends the image camera early when asked', () => {
    const c = CaptureConfig.parse({ screen: 'none', fake: { cameraImage: '/data/face.jpg', cameraSeconds: 5 } });
    const graph = plan(c).args.join(' ');
    expect(graph).toContain('trim=duration=5[out0]');
    expect(graph).toContain('sine=frequency=440');
  });

  it('refuses paths that would break the filter graph, naming the field', () => {
    expect(() => CaptureConfig.parse({ fake: { cameraImage: "/data/a,b'.jpg" } })).toThrow(/capture\.fake\.cameraImage/);
    expect(() => CaptureConfig.parse({ fake: { micAudio: '/data/x;y.wav' } })).toThrow(/capture\.fake\.micAudio/);
  });
});
