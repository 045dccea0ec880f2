// Pinia for the screens' stores (imported by each store module before it defines its store):
// active from the first screen that uses a store. The session (stores/session.ts) is a plain
// reactive store instead, so the login page's first load carries no store library.
import { createPinia, setActivePinia } from 'pinia'

export const pinia = createPinia()
setActivePinia(pinia)
