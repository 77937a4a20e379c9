// The entry: nothing but a head start. It asks for the messages of the language in use and, on
// a customer's page, that page's code now, while the framework (app.ts and what it imports,
// preloaded from index.html) is on its way: one round trip less before the first paint on a
// slow phone line. The app reuses what these fetched (a module is fetched once).
import { detectLocale, loadCatalogue } from './locale'
import { customerPageLoader } from './pages'

void loadCatalogue(detectLocale()).catch(() => undefined)
void customerPageLoader(location.pathname)?.().catch(() => undefined)

const { startApp } = await import('./app')
await startApp()
