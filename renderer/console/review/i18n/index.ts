import { createI18n } from 'vue-i18n';
import en from './en.js';
import zh from './zh-CN.js';

export type Messages = typeof zh;
export type ConsoleLanguage = 'zh-CN' | 'en';

/** zh-CN by default (like the kiosk), en on request; every message exists in both (en is typed against zh-CN). */
export const i18n = createI18n<[Messages], ConsoleLanguage, false>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
});

export function setLanguage(lang: ConsoleLanguage): void {
  i18n.global.locale.value = lang;
  document.documentElement.lang = lang;
}
