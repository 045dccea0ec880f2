import type { RouteLocationNormalizedLoaded } from 'vue-router'

/** Where to go once signed in: back to the page that sent the user to login, else the app. */
export function afterLogin(route: RouteLocationNormalizedLoaded): string {
  const r = route.query.redirect
  return typeof r === 'string' && r.startsWith('/app') ? r : '/app'
}
