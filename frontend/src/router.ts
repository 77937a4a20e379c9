import { createRouter, createWebHistory, type RouteLocationNormalized, type Router, type RouterHistory } from 'vue-router'
import { clearSession, ensureSession } from './stores/session'
import { enrolmentRequired } from './stores/session'
import { setUnauthorizedHandler } from './api'
import type { Role } from './types'
import { loadComplainView, loadTrackView } from './pages'
import { loadStaffMessages } from './i18n'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in (the login page, the customers' pages). */
    public?: boolean
    /** A customers' page: never asks who is signed in. */
    customer?: boolean
    /** Roles allowed to open the page; any signed-in user when absent. */
    roles?: Role[]
    /** i18n key of the page title. */
    titleKey?: string
  }
}

export const DEFAULT_PATH = '/inbox'

/** The staff app's shell (App.vue); fetched alongside a staff page, never for a customer's. */
export const loadAppShell = () => import('./components/AppShell.vue')

/**
 * Where to go after signing in: only same-origin app paths, never back to
 * /login, never a protocol-relative or absolute URL (no open redirect).
 */
export function safeRedirect(value: unknown): string {
  const path = Array.isArray(value) ? value[0] : value
  if (typeof path !== 'string') return DEFAULT_PATH
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return DEFAULT_PATH
  if (path === '/login' || path.startsWith('/login?') || path.startsWith('/login#')) return DEFAULT_PATH
  return path
}

export function loginLocation(to: Pick<RouteLocationNormalized, 'fullPath'>, extra: Record<string, string> = {}) {
  const query: Record<string, string> = { ...extra }
  if (to.fullPath && to.fullPath !== '/' && !to.fullPath.startsWith('/login')) query.redirect = to.fullPath
  return { name: 'login', query }
}

export function createAppRouter(history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({
    history,
    routes: [
      { path: '/', redirect: DEFAULT_PATH },
      {
        path: '/login',
        name: 'login',
        component: () => import('./views/LoginView.vue'),
        meta: { public: true, titleKey: 'login.title' },
      },
      {
        path: '/complain',
        name: 'complain',
        component: loadComplainView,
        meta: { public: true, customer: true, titleKey: 'complain.title' },
      },
      {
        // :key is a mail link's tracking token (exchanged for a cookie, then replaced in the
        // address) or, after that, the case reference.
        path: '/track/:key',
        name: 'track',
        component: loadTrackView,
        meta: { public: true, customer: true, titleKey: 'track.title' },
      },
      {
        path: '/inbox',
        name: 'inbox',
        component: () => import('./views/InboxView.vue'),
        meta: { titleKey: 'inbox.title' },
      },
      {
        path: '/cases/new',
        name: 'new-case',
        component: () => import('./views/NewCaseView.vue'),
        meta: { titleKey: 'newCase.title' },
      },
      {
        path: '/cases/:id',
        name: 'case',
        component: () => import('./views/CaseView.vue'),
        meta: { titleKey: 'inbox.columns.case' },
      },
      {
        path: '/admin/users',
        name: 'admin-users',
        component: () => import('./views/AdminUsersView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'users.title' },
      },
      {
        path: '/admin/categories',
        name: 'admin-categories',
        component: () => import('./views/CategoriesView.vue'),
        meta: { roles: ['admin'], titleKey: 'categories.title' },
      },
      {
        path: '/admin/outbox',
        name: 'admin-outbox',
        component: () => import('./views/OutboxView.vue'),
        meta: { roles: ['admin'], titleKey: 'outbox.title' },
      },
      {
        path: '/admin/resolution-options',
        name: 'admin-resolution-options',
        component: () => import('./views/ResolutionOptionsView.vue'),
        meta: { roles: ['admin'], titleKey: 'remedies.title' },
      },
      // Reports (issue 16): every staff role; agents see their own figures.
      {
        path: '/reports',
        name: 'reports',
        component: () => import('./views/ReportsView.vue'),
        meta: { titleKey: 'reports.title' },
      },
      // Journey view (issue 16).
      {
        path: '/journey',
        name: 'journey',
        component: () => import('./views/JourneyView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'journey.title' },
      },
      {
        path: '/admin/journey-stages',
        name: 'admin-journey-stages',
        component: () => import('./views/JourneyStagesView.vue'),
        meta: { roles: ['admin'], titleKey: 'journey.admin.title' },
      },
      {
        path: '/approvals',
        name: 'approvals',
        component: () => import('./views/ApprovalsView.vue'),
        meta: { titleKey: 'approvals.title' },
      },
      {
        path: '/admin/review-import',
        name: 'admin-review-import',
        component: () => import('./views/ReviewImportView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'reviewImport.title' },
      },
      {
        path: '/topics',
        name: 'topics',
        component: () => import('./views/TopicsView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'recurring.title' },
      },
      {
        path: '/topics/:id',
        name: 'topic',
        component: () => import('./views/TopicView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'recurring.title' },
      },
      {
        path: '/root-causes',
        name: 'root-causes',
        component: () => import('./views/RootCausesView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'rootCauses.title' },
      },
      {
        path: '/root-causes/:id',
        name: 'root-cause',
        component: () => import('./views/RootCauseView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'rootCauses.title' },
      },
      {
        path: '/admin/review-sources',
        name: 'admin-review-sources',
        component: () => import('./views/ReviewSourcesView.vue'),
        meta: { roles: ['admin'], titleKey: 'reviewSources.title' },
      },
      {
        path: '/admin/mailboxes',
        name: 'admin-mailboxes',
        component: () => import('./views/MailboxesView.vue'),
        meta: { roles: ['admin'], titleKey: 'mailboxes.title' },
      },
      {
        path: '/admin/webhooks',
        name: 'admin-webhooks',
        component: () => import('./views/WebhooksView.vue'),
        meta: { roles: ['admin'], titleKey: 'webhooks.title' },
      },
      {
        path: '/admin/canned-replies',
        name: 'admin-canned-replies',
        component: () => import('./views/CannedRepliesView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'canned.title' },
      },
      {
        path: '/admin/sla-policies',
        name: 'admin-sla-policies',
        component: () => import('./views/SlaPoliciesView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'slaPolicies.title' },
      },
      {
        path: '/admin/sla-policies/new',
        name: 'sla-policy-new',
        component: () => import('./views/SlaPolicyEditView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'slaForm.createTitle' },
      },
      {
        path: '/admin/sla-policies/:id',
        name: 'sla-policy',
        component: () => import('./views/SlaPolicyEditView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'slaForm.editTitle' },
      },
      {
        path: '/admin/rules',
        name: 'admin-rules',
        component: () => import('./views/RulesView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'rules.title' },
      },
      {
        path: '/admin/rules/new',
        name: 'rule-new',
        component: () => import('./views/RuleEditView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'ruleForm.createTitle' },
      },
      {
        path: '/admin/rules/:id',
        name: 'rule',
        component: () => import('./views/RuleEditView.vue'),
        meta: { roles: ['manager', 'admin'], titleKey: 'ruleForm.editTitle' },
      },
      {
        path: '/account/tokens',
        name: 'api-tokens',
        component: () => import('./views/TokensView.vue'),
        meta: { titleKey: 'tokens.title' },
      },
      // Account security (issue 18).
      {
        path: '/forgot-password',
        name: 'forgot-password',
        component: () => import('./views/ForgotPasswordView.vue'),
        meta: { public: true, titleKey: 'accountSecurity.forgotTitle' },
      },
      {
        path: '/reset-password',
        name: 'reset-password',
        component: () => import('./views/ResetPasswordView.vue'),
        meta: { public: true, titleKey: 'accountSecurity.resetTitle' },
      },
      {
        path: '/account',
        name: 'account',
        component: () => import('./views/AccountView.vue'),
        meta: { titleKey: 'accountSecurity.title' },
      },
      {
        path: '/admin/audit',
        name: 'audit-log',
        component: () => import('./views/AuditLogView.vue'),
        meta: { roles: ['admin'], titleKey: 'audit.title' },
      },
      {
        path: '/admin/customer-data',
        name: 'customer-data',
        component: () => import('./views/CustomerDataView.vue'),
        meta: { roles: ['admin'], titleKey: 'privacy.title' },
      },
      {
        path: '/:pathMatch(.*)*',
        name: 'not-found',
        component: () => import('./views/NotFoundView.vue'),
        meta: { titleKey: 'errors.notFoundTitle' },
      },
    ],
    scrollBehavior(to, from, saved) {
      if (saved) return saved
      if (to.path !== from.path) return { top: 0 }
      return false
    },
  })

  router.beforeEach(async (to) => {
    // Customers have no account: their pages never ask the server who is signed in.
    if (to.meta.customer) return true
    if (!to.meta.public) void loadAppShell()
    // The staff texts come with the first staff page (or the login); a failed fetch is tried
    // again on the next navigation.
    const [user] = await Promise.all([ensureSession(), loadStaffMessages().catch(() => undefined)])
    if (to.meta.public) {
      if (user && to.name === 'login') return safeRedirect(to.query.redirect)
      return true
    }
    if (!user) return loginLocation(to)
    // A role that must use two-factor sign-in sets it up before anything else.
    if (enrolmentRequired.value && to.name !== 'account') return { name: 'account' }
    return true
  })

  // A 401 from any authenticated call means the session ended (expired,
  // revoked, server restarted): forget the user and ask them to sign in again.
  setUnauthorizedHandler(() => {
    clearSession()
    const current = router.currentRoute.value
    if (!current.meta.public) void router.replace(loginLocation(current, { expired: '1' }))
  })

  return router
}
