// The Vue app: created and shown once the messages of the language in use and the first page's
// code are here (both fetched side by side).
import { createApp } from 'vue'
import App from './App.vue'
import { currentLocale, i18n, loadLocale } from './i18n'
import { createAppRouter } from './router'
import './styles.css'

export async function startApp(): Promise<void> {
  const router = createAppRouter()
  const app = createApp(App).use(i18n).use(router)
  await Promise.all([loadLocale(currentLocale()), router.isReady()])
  app.mount('#app')
}
