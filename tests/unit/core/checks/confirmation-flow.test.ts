import { describe, expect, it } from 'vitest';
import { ConfirmationFlow } from '../../../../src/core/checks/confirmation-flow.js';
import { phraseHeard, phraseRules, REFUSAL_ID } from '../../../../src/core/checks/phrases.js';
import { generateKeywords } from '../../../../src/core/keywords.js';
import { ConfirmationPolicy } from '../../../../src/protocol/checks.js';

const policy = ConfirmationPolicy.parse({ windowSec: 10, maxAttempts: 2, maxReplays: 1 });
const phrases = phraseRules(['本人已阅读，理解风险提示', '我确认购买'].map((text, i) => ({ id: ['read', 'buy'][i]!, text, keywords: generateKeywords(text) })));
const buyOnly = [{ id: 'buy', full: ['我确认购买'], parts: [] }];
const hit = (phraseId: string, text: string, atSec: number) => ({ phraseId, text, atSec });
const utt = (startSec: number, endSec: number, ...hits: ReturnType<typeof hit>[]) => ({ startSec, endSec, hits });

describe('confirmation rules', () => {
  it('counts a phrase as heard by its full spelling or by all its parts', () => {
    expect(phrases[0]).toEqual({ id: 'read', full: ['本人已阅读理解风险提示'], parts: ['本人已阅读', '理解风险提示'] });
    expect(phraseHeard(phrases[0]!, new Set(['本人已阅读理解风险提示']))).toBe(true);
    expect(phraseHeard(phrases[0]!, new Set(['本人已阅读']))).toBe(false);
    expect(phraseHeard(phrases[0]!, new Set(['理解风险提示', '本人已阅读']))).toBe(true);
    expect(phraseHeard(buyOnly[0]!, new Set(['本人已阅读']))).toBe(false);
    expect(phraseHeard(buyOnly[0]!, undefined)).toBe(false);
  });

  it('ignores speech before the disclosure ended and confirms when every clause was heard in the window', () => {
    const f = new ConfirmationFlow(policy, phrases);
    expect(f.onUtterance(utt(1, 2, hit('buy', '我确认购买', 1.5)), 2)).toEqual([]);
    expect(f.disclosureEnded(5)).toEqual([{ type: 'disclosure.ended', atSec: 5, played: 1 }]);
    expect(f.windowEndsAtSec).toBe(15);
    const a1 = f.onUtterance(utt(6, 8, hit('read', '本人已阅读', 7), hit('read', '理解风险提示', 7.8)), 8);
    expect(a1).toEqual([{ type: 'confirmation.attempt', atSec: 8, attempt: 1, outcome: 'incomplete', heard: { read: ['本人已阅读', '理解风险提示'] }, refusals: [], startSec: 6, endSec: 8 }]);
    const a2 = f.onUtterance(utt(9, 10, hit('buy', '我确认购买', 9.8)), 10);
    expect(a2.map((d) => d.type)).toEqual(['confirmation.attempt', 'confirmation.confirmed']);
    expect(a2[1]).toMatchObject({ attempts: 2, replays: 0 });
    expect(a2[1]!.type === 'confirmation.confirmed' && a2[1]!.evidence.map((h) => h.text)).toEqual(['本人已阅读', '理解风险提示', '我确认购买']);
    expect(f.status).toBe('confirmed');
    expect(f.disclosureEnded(20)).toEqual([]);
    expect(f.tick(100)).toEqual([]);
  });

  it('treats an utterance with a refusal as refused even when it also holds the phrases, and replays', () => {
    const f = new ConfirmationFlow(policy, buyOnly);
    f.disclosureEnded(0);
    const out = f.onUtterance(utt(1, 3, hit('buy', '我确认购买', 2), hit(REFUSAL_ID, '我不确认', 1.5)), 3);
    expect(out.map((d) => d.type)).toEqual(['confirmation.attempt', 'disclosure.replay']);
    expect(out[0]).toMatchObject({ outcome: 'refused', refusals: ['我不确认'] });
    expect(out[1]).toMatchObject({ replay: 1, reason: 'refused' });
    expect(f.status).toBe('replay');
    // Speech while the disclosure plays again does not count.
    expect(f.onUtterance(utt(4, 5, hit('buy', '我确认购买', 4.5)), 5)).toEqual([]);
    f.disclosureEnded(30);
    const again = f.onUtterance(utt(31, 32, hit(REFUSAL_ID, '我不同意', 31.5)), 32);
    expect(again.at(-1)).toEqual({ type: 'confirmation.failed', atSec: 32, attempts: 2, replays: 1, reason: 'refused' });
    expect(f.status).toBe('failed');
  });

  it('replays after maxAttempts utterances without the phrase, and after a silent window', () => {
    const f = new ConfirmationFlow(policy, buyOnly);
    f.disclosureEnded(0);
    expect(f.onUtterance(utt(1, 2), 2).map((d) => d.type)).toEqual(['confirmation.attempt']);
    expect(f.onUtterance(utt(3, 4), 4).map((d) => d.type)).toEqual(['confirmation.attempt', 'disclosure.replay']);
    f.disclosureEnded(20);
    expect(f.tick(29.9)).toEqual([]);
    expect(f.tick(30)).toEqual([{ type: 'confirmation.failed', atSec: 30, attempts: 2, replays: 1, reason: 'silence' }]);
  });

  it('closes the window before counting a late utterance', () => {
    const f = new ConfirmationFlow(policy, buyOnly);
    f.disclosureEnded(0);
    const out = f.onUtterance(utt(11, 12, hit('buy', '我确认购买', 11.5)), 12);
    expect(out).toEqual([{ type: 'disclosure.replay', atSec: 12, replay: 1, reason: 'silence' }]);
  });

  it('ignores hits of phrases the session does not ask for', () => {
    const f = new ConfirmationFlow(policy, buyOnly);
    f.disclosureEnded(0);
    expect(f.onUtterance(utt(1, 2, hit('other', '我确认购买', 1.5)), 2)[0]).toMatchObject({ outcome: 'incomplete', heard: {} });
  });
});
