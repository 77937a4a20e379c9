import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import FilePicker from '../src/components/FilePicker.vue'
import { createAppI18n } from '../src/i18n'
import { MAX_FILE_BYTES } from '../src/uploads'

function file(name: string, size: number, type: string): File {
  const f = new File(['x'], name, { type })
  Object.defineProperty(f, 'size', { value: size })
  return f
}

function mountPicker(modelValue: File[] = []) {
  return mount(FilePicker, {
    props: { id: 'files', modelValue },
    global: { plugins: [createAppI18n('en')] },
    attachTo: document.body,
  })
}

async function pick(wrapper: ReturnType<typeof mountPicker>, files: File[]) {
  const input = wrapper.get('input[type=file]').element as HTMLInputElement
  Object.defineProperty(input, 'files', { value: files, configurable: true })
  await wrapper.get('input[type=file]').trigger('change')
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('file picker (client-side checks of the complaint form)', () => {
  it('accepts images and PDFs and lists them', async () => {
    const wrapper = mountPicker()
    await pick(wrapper, [file('a.png', 100, 'image/png'), file('b.pdf', 2000, 'application/pdf')])
    const chosen = wrapper.emitted('update:modelValue')!.at(-1)![0] as File[]
    expect(chosen.map((f) => f.name)).toEqual(['a.png', 'b.pdf'])
    expect(wrapper.emitted('problems')!.at(-1)![0]).toEqual([])
  })

  it('refuses other types and files over 5 MB, keeping the good ones', async () => {
    const wrapper = mountPicker()
    await pick(wrapper, [
      file('notes.txt', 10, 'text/plain'),
      file('huge.jpg', MAX_FILE_BYTES + 1, 'image/jpeg'),
      file('ok.jpg', 10, 'image/jpeg'),
    ])
    const chosen = wrapper.emitted('update:modelValue')!.at(-1)![0] as File[]
    expect(chosen.map((f) => f.name)).toEqual(['ok.jpg'])
    expect(wrapper.emitted('problems')!.at(-1)![0]).toEqual([
      'notes.txt is not an image or a PDF file.',
      'huge.jpg is too large: at most 5 MB per file.',
    ])
  })

  it('stops at five files', async () => {
    const four = Array.from({ length: 4 }, (_, i) => file(`${i}.png`, 1, 'image/png'))
    const wrapper = mountPicker(four)
    await pick(wrapper, [file('5.png', 1, 'image/png'), file('6.png', 1, 'image/png')])
    const chosen = wrapper.emitted('update:modelValue')!.at(-1)![0] as File[]
    expect(chosen).toHaveLength(5)
    expect(wrapper.emitted('problems')!.at(-1)![0]).toEqual(['You can attach at most 5 files.'])
  })

  it('removes a chosen file', async () => {
    const wrapper = mountPicker([file('a.png', 1, 'image/png'), file('b.png', 1, 'image/png')])
    await wrapper.findAll('.file-list__remove')[0]!.trigger('click')
    const chosen = wrapper.emitted('update:modelValue')!.at(-1)![0] as File[]
    expect(chosen.map((f) => f.name)).toEqual(['b.png'])
  })
})
