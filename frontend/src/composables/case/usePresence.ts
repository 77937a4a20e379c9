import { computed, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'
import { leavePresence, touchPresence } from '../../api'
import { session } from '../../stores/session'
import type { Viewer } from '../../types'

const PRESENCE_EVERY_MS = 20_000

/**
 * "Who else has this case open": says so every 20 s while the page shows the case, leaves
 * when it closes (keepalive while the page unloads), and comes back from the back-forward cache.
 */
export function usePresence(id: Ref<string>) {
  const viewers = ref<Viewer[]>([])
  const others = computed(() => viewers.value.filter((v) => v.user_id !== session.user?.id))
  let timer: ReturnType<typeof setInterval> | undefined
  let presentOn = ''

  async function heartbeat() {
    const caseId = presentOn
    if (!caseId) return
    try {
      const list = await touchPresence(caseId)
      if (caseId === presentOn) viewers.value = list ?? []
    } catch {
      // Presence is a hint; a failed heartbeat is retried in 20 s.
    }
  }

  function enter(caseId: string) {
    leave()
    presentOn = caseId
    viewers.value = []
    void heartbeat()
    timer = setInterval(() => void heartbeat(), PRESENCE_EVERY_MS)
  }

  function leave(keepalive = false) {
    clearInterval(timer)
    if (presentOn) void leavePresence(presentOn, keepalive).catch(() => undefined)
    presentOn = ''
  }

  function onPageHide() {
    leave(true)
  }

  function onPageShow(event: PageTransitionEvent) {
    if (event.persisted && id.value) enter(id.value)
  }

  watch(id, (next) => enter(next), { immediate: true })
  onMounted(() => {
    window.addEventListener('pagehide', onPageHide)
    window.addEventListener('pageshow', onPageShow)
  })
  onBeforeUnmount(() => {
    leave()
    window.removeEventListener('pagehide', onPageHide)
    window.removeEventListener('pageshow', onPageShow)
  })

  return { viewers, others }
}
