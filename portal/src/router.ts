// The signed-in app's routes (everything under /app): loaded with the first visit to /app
// (navigation.ts adds them then), so the login page and the public pages do not carry them.
// Each screen declares who may open it (lib/menu.ts) and so appears in the menu built from GET /me.
import type { RouteRecordRaw } from 'vue-router'
import type { Screen } from './lib/menu'

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
    name: 'supervision', path: '/app/institutions', permission: 'institution_supervision', actorKinds: ['city_bureau', 'province_bureau'],
    component: () => import('./views/SupervisionView.vue'),
  },
  {
    name: 'reviews', path: '/app/reviews', permission: 'qualification_review', actorKinds: ['platform'],
    component: () => import('./views/ReviewsView.vue'),
  },
  // -- issue 10, the remaining screens (branch portal2) --
  {
    name: 'projects', path: '/app/projects', permission: 'project_manage', actorKinds: ['platform'],
    component: () => import('./views/ProjectsView.vue'),
  },
  {
    name: 'results', path: '/app/results', permission: 'result_query', actorKinds: ['enterprise', 'medical_institution', 'pharmacy'],
    component: () => import('./views/ResultsView.vue'),
  },
  {
    name: 'code-matching', path: '/app/code-matching', permission: 'code_matching', actorKinds: ['enterprise'],
    component: () => import('./views/CodeMatchingView.vue'),
  },
  {
    name: 'registration-reviews', path: '/app/registrations', permission: 'registration_review', actorKinds: ['platform', 'city_bureau'],
    component: () => import('./views/RegistrationReviewView.vue'),
  },
  // -- end of portal2's screens --
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

/** The app shell and its screens. */
export const APP_ROUTE: RouteRecordRaw = {
  path: '/app',
  component: () => import('./views/ShellLayout.vue'),
  meta: { requiresSession: true },
  children: SCREENS.map((s) => ({ path: s.path, name: s.name, component: s.component!, meta: { screen: s } })),
}
