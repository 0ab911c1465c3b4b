import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue';

/**
 * Calls `onIdle` after `seconds()` without a touch, key or pointer move while `enabled()`; any
 * input starts the wait over. Used to return the kiosk to the attract screen.
 */
export function useIdle(seconds: () => number, enabled: Ref<boolean>, onIdle: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    if (enabled.value) timer = setTimeout(onIdle, seconds() * 1000);
  };
  const events = ['pointerdown', 'keydown', 'pointermove', 'wheel'] as const;
  onMounted(() => {
    for (const e of events) window.addEventListener(e, arm, { passive: true });
    arm();
  });
  onBeforeUnmount(() => {
    clearTimeout(timer);
    for (const e of events) window.removeEventListener(e, arm);
  });
  watch(enabled, arm);
}
