import { ref, type Ref } from 'vue'
import { customerHistory } from '../../api'
import type { CaseSummary } from '../../types'

/** The customer's other cases (a returning customer); empty when they cannot be loaded. */
export function useCustomerHistory(id: Ref<string>) {
  const history = ref<CaseSummary[]>([])
  const historyLoaded = ref(false)

  async function loadHistory() {
    historyLoaded.value = false
    try {
      history.value = (await customerHistory(id.value)) ?? []
    } catch {
      history.value = []
    } finally {
      historyLoaded.value = true
    }
  }

  return { history, historyLoaded, loadHistory }
}
