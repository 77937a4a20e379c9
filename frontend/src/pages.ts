// The customers' pages (complaint form, tracking and follow-up). Phones open them on slow lines,
// so the entry (main.ts) starts fetching the one being opened beside the framework instead of
// after it. router.ts routes to the same loaders; no framework code here.
export const loadComplainView = () => import('./views/ComplainView.vue')
export const loadTrackView = () => import('./views/TrackView.vue')

/** The loader of the customer's page at `path`, if it is one (router.ts has the routes). */
export function customerPageLoader(path: string): (() => Promise<unknown>) | undefined {
  if (/^\/complain\/?$/.test(path)) return loadComplainView
  if (/^\/track\/[^/]+\/?$/.test(path)) return loadTrackView
  return undefined
}
