import { onBeforeUnmount, onMounted, ref } from 'vue'

/** "Now" for badges that count down (SLA due times): moves every `everyMs` while mounted. */
export function useNow(everyMs: number) {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    timer = setInterval(() => (now.value = Date.now()), everyMs)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
