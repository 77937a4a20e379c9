import { ref, type Ref } from 'vue'
import { customerHistory } from '../../api'
import type { CaseSummary } from '../../types'

/** The customer's other cases (a returning customer); empty when they cannot be loaded. */
export function useCustomerHistory(id: Ref<string>) {
  const history = ref<CaseSummary[]>([])
  const historyLoaded = ref(false)
  // Stepping to the next case (j in the split view) asks again: the previous case's answer
  // may still be on its way and would land last, showing another customer's cases.
  let controller: AbortController | null = null

  async function loadHistory() {
    controller?.abort()
    const current = new AbortController()
    controller = current
    historyLoaded.value = false
    try {
      const list = (await customerHistory(id.value, current.signal)) ?? []
      if (current.signal.aborted) return
      history.value = list
    } catch {
      if (current.signal.aborted) return
      history.value = []
    }
    historyLoaded.value = true
  }

  return { history, historyLoaded, loadHistory }
}
