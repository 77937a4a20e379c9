import { computed, reactive, ref, watch, type Ref } from 'vue'

export type ComposerMode = 'reply' | 'note'

const DRAFT_KEY = (caseId: string) => `kaiku.draft.${caseId}`

/**
 * The composer's two drafts (reply and note) of one case, kept in sessionStorage so a reload
 * or a visit to another case does not lose them.
 */
export function useDrafts(caseId: Ref<string>) {
  const mode = ref<ComposerMode>('reply')
  const drafts = reactive<Record<ComposerMode, string>>({ reply: '', note: '' })
  const draft = computed({
    get: () => drafts[mode.value],
    set: (value: string) => {
      drafts[mode.value] = value
    },
  })
  const hasDraft = computed(() => !!(drafts.reply.trim() || drafts.note.trim()))

  function restore(id: string) {
    drafts.reply = ''
    drafts.note = ''
    try {
      const saved = JSON.parse(sessionStorage.getItem(DRAFT_KEY(id)) ?? 'null') as Partial<Record<ComposerMode, string>> | null
      if (saved) {
        drafts.reply = saved.reply ?? ''
        drafts.note = saved.note ?? ''
      }
    } catch {
      // No saved draft.
    }
  }

  watch(drafts, () => {
    if (!caseId.value) return
    try {
      if (hasDraft.value) sessionStorage.setItem(DRAFT_KEY(caseId.value), JSON.stringify(drafts))
      else sessionStorage.removeItem(DRAFT_KEY(caseId.value))
    } catch {
      // Storage full or unavailable: the draft stays in memory.
    }
  })

  return { mode, drafts, draft, hasDraft, restore }
}
