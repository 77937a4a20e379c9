import { nextTick, reactive, ref, type ComponentPublicInstance } from 'vue'

// What one form's submit keeps: its field errors and banner, whether a save is running, and
// where the form is, so that after errors are shown the first invalid control takes the
// focus. formEl is bound with ref="formEl" to the <form>, or to the FormDialog holding it.
export function useFormState() {
  const errors = reactive<Record<string, string>>({})
  const banner = ref('')
  const saving = ref(false)
  const formEl = ref<HTMLElement | ComponentPublicInstance | null>(null)

  function clearErrors() {
    banner.value = ''
    for (const key of Object.keys(errors)) delete errors[key]
  }

  async function focusFirstError() {
    await nextTick()
    const el = formEl.value
    const root: HTMLElement | null = el instanceof HTMLElement ? el : (el?.$el ?? null)
    root?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }

  return { errors, banner, saving, formEl, clearErrors, focusFirstError }
}
