import { createApp } from 'vue'
import App from './App.vue'
import { currentLocale, i18n, loadLocale } from './i18n'
import { createAppRouter } from './router'
import './styles.css'

const router = createAppRouter()
const app = createApp(App).use(i18n).use(router)
// The messages of the language in use and the first page's code load side by side; the app
// shows once both are here.
await Promise.all([loadLocale(currentLocale()), router.isReady()])
app.mount('#app')
