// Who is logged in: the token (kept in sessionStorage, so a reload keeps the session and a new
// tab does not share it), the organisations to choose from, and GET /me (which gives the menu).
// A plain reactive store, not a pinia one: the login page's first load needs it, and pinia
// (the screens' stores, stores/pinia.ts) then loads with the first screen that uses a store.
import { reactive } from 'vue'
import { api, bindSession, unwrap, type Schemas } from '../api/client'

type Session = Schemas['SessionView']
type Me = Schemas['MeView']

const KEY = 'medprocure.session'

function load(): Session | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null')
  } catch {
    return null
  }
}

const store = reactive({
  session: load() as Session | null,
  me: null as Me | null,
  expired: false,
  get token(): string | null {
    return this.session?.token ?? null
  },
  get scope(): string | null {
    return this.session?.scope ?? null
  },
  get signedIn(): boolean {
    return this.session?.scope === 'org'
  },
  bind(onExpired: () => void) {
    bindSession(() => store.token, () => {
      store.clear()
      store.expired = true
      onExpired()
    })
  },
  keep(session: Session) {
    store.session = session
    store.me = null
    sessionStorage.setItem(KEY, JSON.stringify(session))
  },
  clear() {
    store.session = null
    store.me = null
    sessionStorage.removeItem(KEY)
  },
  async login(body: Schemas['LoginRequest']) {
    store.expired = false
    store.keep(unwrap(await api.POST('/sessions', { body })))
    return store.session!
  },
  async chooseOrganisation(org_id: string) {
    store.keep(unwrap(await api.POST('/sessions/organisation', { body: { org_id } })))
    return store.session!
  },
  async changePassword(body: Schemas['PasswordChange']) {
    store.keep(unwrap(await api.PUT('/me/password', { body })))
    return store.session!
  },
  async loadMe() {
    store.me = unwrap(await api.GET('/me'))
    return store.me
  },
  async logout() {
    if (store.token) await api.DELETE('/sessions/current')
    store.clear()
  },
})

export function useSession() {
  return store
}
