// Who is logged in: the token (kept in sessionStorage, so a reload keeps the session and a new
// tab does not share it), the organisations to choose from, and GET /me (which gives the menu).
import { defineStore } from 'pinia'
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

export const useSession = defineStore('session', {
  state: () => ({ session: load() as Session | null, me: null as Me | null, expired: false }),
  getters: {
    token: (s) => s.session?.token ?? null,
    scope: (s) => s.session?.scope ?? null,
    signedIn: (s) => s.session?.scope === 'org',
  },
  actions: {
    bind(onExpired: () => void) {
      bindSession(() => this.token, () => {
        this.clear()
        this.expired = true
        onExpired()
      })
    },
    keep(session: Session) {
      this.session = session
      this.me = null
      sessionStorage.setItem(KEY, JSON.stringify(session))
    },
    clear() {
      this.session = null
      this.me = null
      sessionStorage.removeItem(KEY)
    },
    async login(body: Schemas['LoginRequest']) {
      this.expired = false
      this.keep(unwrap(await api.POST('/sessions', { body })))
      return this.session!
    },
    async chooseOrganisation(org_id: string) {
      this.keep(unwrap(await api.POST('/sessions/organisation', { body: { org_id } })))
      return this.session!
    },
    async changePassword(body: Schemas['PasswordChange']) {
      this.keep(unwrap(await api.PUT('/me/password', { body })))
      return this.session!
    },
    async loadMe() {
      this.me = unwrap(await api.GET('/me'))
      return this.me
    },
    async logout() {
      if (this.token) await api.DELETE('/sessions/current')
      this.clear()
    },
  },
})
