import { z } from 'zod';

/**
 * Confirmation phrases and their spellings for sherpa-onnx keyword spotting (issue 7).
 *
 * The Mandarin KWS model (sherpa-onnx-kws-zipformer-wenetspeech-3.3M) models speech as "ppinyin"
 * units: a syllable's initial (b p m f d t n l g k h j q x zh ch sh r z c s y w; y and w count as
 * initials) and its written final with the tone mark (ǒ, uè, iǎn, ...). A keyword file has one
 * keyword per line: the units separated by spaces, optionally ` :<boost>` and ` #<threshold>`,
 * then ` @<label>`:
 *
 *     w ǒ q uè r èn g òu m ǎi @我确认购买
 *
 * The catalogue stores each phrase's spellings as unit arrays; `keywordLine` writes the line.
 */

export const PINYIN_INITIALS = ['b', 'p', 'm', 'f', 'd', 't', 'n', 'l', 'g', 'k', 'h', 'j', 'q', 'x', 'zh', 'ch', 'sh', 'r', 'z', 'c', 's', 'y', 'w'] as const;

const INITIALS: ReadonlySet<string> = new Set(PINYIN_INITIALS);
const TONED = 'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ';
const FINAL_RE = new RegExp(`^[aeiouü${TONED}]{1,4}(?:ng|n|r)?$|^[ńňǹ]g?$`, 'u');

/** True for a pinyin final with at most one tone mark (e.g. `uè`, `iǎn`, `ēng`, neutral `e`). */
export function isPinyinFinal(unit: string): boolean {
  if (!FINAL_RE.test(unit)) return false;
  return [...unit].filter((c) => TONED.includes(c)).length <= 1;
}

export const KeywordToken = z
  .string()
  .refine((t) => INITIALS.has(t) || isPinyinFinal(t), { message: 'a keyword unit is a pinyin initial (b, zh, y, ...) or a final with its tone mark (ǒ, uè, iǎn, ...)' });

/** Why `units` is not a sequence of syllables (an optional initial, then a final), or null. */
export function syllableError(units: readonly string[]): string | null {
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (INITIALS.has(u)) {
      const next = units[i + 1];
      if (next === undefined || !isPinyinFinal(next)) return `initial ${u} at ${i} is not followed by a final`;
      i++;
    } else if (!isPinyinFinal(u)) {
      return `${u} at ${i} is neither an initial nor a final`;
    }
  }
  return null;
}

/** A phrase id, stable within a version (the timeline names confirmations by it). */
export const PhraseId = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, 'a phrase id is 1-32 lowercase letters, digits or inner dashes');

export const KeywordSpelling = z
  .strictObject({
    /** ppinyin units of the spoken keyword. */
    tokens: z.array(KeywordToken).min(2, 'a keyword needs at least one syllable').max(96),
    /** What the spotter reports (after `@`): the phrase, or the part, in characters. */
    label: z.string().regex(/^[^\s@#:]{1,64}$/, 'a keyword label is 1-64 characters without spaces, @, # or :'),
    /**
     * `full`: the whole phrase; `part`: one clause of it. Long phrases are often spotted only in
     * parts, so the speech check (issue 7) may accept all parts in order as the phrase.
     */
    role: z.enum(['full', 'part']),
    /** Per-keyword score boost (sherpa-onnx `:`), else the spotter's default. */
    boost: z.number().min(0.1).max(10).optional(),
    /** Per-keyword trigger threshold (sherpa-onnx `#`), else the spotter's default. */
    threshold: z.number().gt(0).lt(1).optional(),
  })
  .superRefine((k, ctx) => {
    const err = syllableError(k.tokens);
    if (err) ctx.addIssue({ code: 'custom', path: ['tokens'], message: err });
  });
export type KeywordSpelling = z.infer<typeof KeywordSpelling>;

/** The sentence the customer says: Chinese characters and punctuation (write numbers as characters). */
export const PhraseText = z
  .string()
  .trim()
  .regex(/^[\p{Script=Han}，。、！？；：,.!?;: ]{2,100}$/u, 'a confirmation phrase is 2-100 Chinese characters and punctuation (numbers written in characters)');

const PhraseCommon = {
  id: PhraseId,
  /** The exact Mandarin sentence shown to the customer and said aloud, e.g. 我已知晓产品风险并自愿购买. */
  text: PhraseText,
  /** Translation shown in the English kiosk (the customer still says the Mandarin sentence). */
  translation: z.strictObject({ en: z.string().trim().min(1).max(300) }).optional(),
};

/** A phrase as stored and published: with at least one full spelling. */
export const ConfirmationPhrase = z
  .strictObject({ ...PhraseCommon, keywords: z.array(KeywordSpelling).min(1).max(16) })
  .refine((p) => p.keywords.some((k) => k.role === 'full'), { message: 'a phrase needs a full keyword spelling', path: ['keywords'] });
export type ConfirmationPhrase = z.infer<typeof ConfirmationPhrase>;

/** A phrase as an admin sends it: without keywords, the server generates them from the text. */
export const ConfirmationPhraseInput = z
  .strictObject({ ...PhraseCommon, keywords: z.array(KeywordSpelling).min(1).max(16).optional() })
  .refine((p) => p.keywords === undefined || p.keywords.some((k) => k.role === 'full'), { message: 'a phrase needs a full keyword spelling', path: ['keywords'] });
export type ConfirmationPhraseInput = z.infer<typeof ConfirmationPhraseInput>;

/** One line of a sherpa-onnx keywords file for a spelling. */
export function keywordLine(k: KeywordSpelling): string {
  const opts = [k.boost !== undefined ? `:${k.boost}` : null, k.threshold !== undefined ? `#${k.threshold}` : null].filter((x) => x !== null);
  return [...k.tokens, ...opts, `@${k.label}`].join(' ');
}
