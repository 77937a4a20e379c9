import { useI18n } from 'vue-i18n'

/** A translated label for an enum value (`status.open`), the value itself when unknown. */
export function useLabel() {
  const { t, te } = useI18n()
  return function label(group: string, value: string | undefined | null): string {
    if (!value) return t('case.none')
    return te(`${group}.${value}`) ? t(`${group}.${value}`) : value
  }
}
