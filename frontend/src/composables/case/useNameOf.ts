import type { Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { session } from '../../stores/session'
import { personOf } from '../../stores/staff'
import type { Case } from '../../types'

/** A user's name from what we know: me, the staff directory, the case's own history. */
export function useNameOf(item: Ref<Case | null>) {
  const { t } = useI18n()
  return function nameOf(userId: string | undefined | null): string {
    if (!userId) return t('case.nobody')
    const me = session.user
    if (userId === me?.id) return t('case.you', { name: me.name })
    const person = personOf(userId)
    if (person) return person.name
    const c = item.value
    const ev = c?.timeline?.find((e) => e.actor_id === userId && e.actor)
    if (ev) return ev.actor
    const msg = c?.messages?.find((m) => m.author_id === userId && m.author)
    if (msg) return msg.author
    return t('case.anotherAgent')
  }
}
