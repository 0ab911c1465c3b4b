import { createI18n } from 'vue-i18n';
import type { KioskLanguage, LocalizedText } from '../../../src/protocol/kiosk-flow.js';
import en from './en.js';
import zh from './zh-CN.js';

export type Messages = typeof zh;

/** zh-CN by default, en on request; every message exists in both (en is typed against zh-CN). */
export const i18n = createI18n<[Messages], KioskLanguage, false>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
});

/** The current language's half of a bilingual text. */
export function pick(text: LocalizedText, lang: string): string {
  return lang === 'en' ? text.en : text.zh;
}

/** `m:ss` for a number of seconds. */
export function clock(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
