import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

/** The current time (ms), refreshed every `everyMs`. */
export function useNow(everyMs = 500): Ref<number> {
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    timer = setInterval(() => (now.value = Date.now()), everyMs);
  });
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}
