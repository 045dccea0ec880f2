// Routes. Public screens sit at the top level; the signed-in app under /app, where each screen
// declares who may open it (lib/menu.ts) and so appears in the menu built from GET /me.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Screen } from './lib/menu'
import { useSession } from './stores/session'

/** The signed-in screens, in menu order. */
export const SCREENS: (Screen & { name: string; component: RouteRecordRaw['component'] })[] = [
  { name: 'dashboard', path: '/app', title: '首页', component: () => import('./views/DashboardView.vue') },
  {
    name: 'records', path: '/app/records', permission: 'qualification_maintain', actorKinds: ['enterprise'],
    component: () => import('./views/RecordsView.vue'),
  },
  {
    name: 'workbench', path: '/app/workbench', permission: 'declaration', actorKinds: ['enterprise'],
    component: () => import('./views/WorkbenchView.vue'),
  },
  {
    name: 'unit-account', path: '/app/org', title: '单位账号管理', accountKinds: ['unit'],
    component: () => import('./views/UnitAccountView.vue'),
  },
  {
    name: 'supervision', path: '/app/institutions', permission: 'institution_supervision', actorKinds: ['city_bureau'],
    component: () => import('./views/SupervisionView.vue'),
  },
  {
    name: 'reviews', path: '/app/reviews', permission: 'qualification_review', actorKinds: ['platform'],
    component: () => import('./views/ReviewsView.vue'),
  },
  // -- allocation (分量, docs/portal.md "Allocation") --
  {
    name: 'allocation-fill', path: '/app/allocation/fill', title: '分量填报', permission: 'allocation_fill',
    actorKinds: ['medical_institution'], component: () => import('./views/allocation/FillView.vue'),
  },
  {
    name: 'allocation-city', path: '/app/allocation/city', title: '中选结果分量信息审核(市医保)', permission: 'allocation_review',
    actorKinds: ['city_bureau'], component: () => import('./views/allocation/ReviewView.vue'),
  },
  {
    name: 'allocation-province', path: '/app/allocation/province', title: '中选结果分量信息审核(省医保)', permission: 'allocation_review',
    actorKinds: ['province_bureau'], component: () => import('./views/allocation/ReviewView.vue'),
  },
  {
    name: 'allocation-alliance', path: '/app/allocation/alliance', title: '中选结果分量信息审核(联采办)', permission: 'allocation_review',
    actorKinds: ['alliance_office'], component: () => import('./views/allocation/ReviewView.vue'),
  },
  {
    name: 'allocation-progress', path: '/app/allocation/progress', title: '分量进度', permission: 'allocation_review',
    actorKinds: ['city_bureau', 'province_bureau', 'alliance_office'], component: () => import('./views/allocation/ProgressView.vue'),
  },
  {
    name: 'allocation-agreements', path: '/app/allocation/agreements', title: '中选企业协议量明细', permission: 'agreement_query',
    actorKinds: ['city_bureau', 'province_bureau', 'alliance_office', 'enterprise', 'medical_institution'],
    component: () => import('./views/allocation/AgreementsView.vue'),
  },
]

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('./views/HomeView.vue') },
  { path: '/announcements/:id', name: 'announcement', component: () => import('./views/AnnouncementView.vue') },
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue') },
  { path: '/login/organisation', name: 'organisation', component: () => import('./views/OrganisationView.vue') },
  { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue') },
  { path: '/recovery', name: 'recovery', component: () => import('./views/RecoveryView.vue') },
  { path: '/password', name: 'password', component: () => import('./views/PasswordView.vue') },
  {
    path: '/app',
    component: () => import('./views/ShellLayout.vue'),
    meta: { requiresSession: true },
    children: SCREENS.map((s) => ({ path: s.path, name: s.name, component: s.component!, meta: { screen: s } })),
  },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach((to) => {
  const session = useSession()
  if (to.matched.some((r) => r.meta.requiresSession) && !session.signedIn)
    return { name: 'login', query: { redirect: to.fullPath } }
  return true
})
