// The router of the first load: the public pages (the login page in the first chunk itself, it is
// the door most visits start at) and a placeholder for /app. The first navigation into /app loads
// the signed-in routes (router.ts: the shell and its screens), adds them and resolves again, so
// the first load stays the same size however many screens the app has.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from './stores/session'
import LoginView from './views/LoginView.vue'

const APP_PENDING = 'app-pending'

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('./views/HomeView.vue') },
  { path: '/announcements/:id', name: 'announcement', component: () => import('./views/AnnouncementView.vue') },
  { path: '/login', name: 'login', component: LoginView },
  { path: '/login/organisation', name: 'organisation', component: () => import('./views/OrganisationView.vue') },
  { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue') },
  { path: '/recovery', name: 'recovery', component: () => import('./views/RecoveryView.vue') },
  { path: '/password', name: 'password', component: () => import('./views/PasswordView.vue') },
  // Until router.ts is loaded every /app path lands here (and is resolved again once it is).
  { path: '/app/:rest(.*)*', name: APP_PENDING, component: LoginView, meta: { requiresSession: true } },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  const session = useSession()
  if (to.matched.some((r) => r.meta.requiresSession) && !session.signedIn)
    return { name: 'login', query: { redirect: to.fullPath } }
  if (to.name === APP_PENDING) {
    const { APP_ROUTE } = await import('./router')
    router.removeRoute(APP_PENDING)
    router.addRoute(APP_ROUTE)
    return to.fullPath
  }
  return true
})
