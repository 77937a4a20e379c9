/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

// A part of a message catalogue (build/precompileLocales.ts): `./locales/en?part=customer`.
declare module '*?part=customer' {
  const messages: Record<string, unknown>
  export default messages
}
declare module '*?part=staff' {
  const messages: Record<string, unknown>
  export default messages
}
