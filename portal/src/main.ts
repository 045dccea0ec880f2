import { createApp } from 'vue'
import App from './App.vue'
import { router } from './navigation'
import { useSession } from './stores/session'
import './style.css'

const app = createApp(App)
app.use(router)
// An expired or revoked session returns to login, and after login back to where the user was.
useSession().bind(() => {
  const here = router.currentRoute.value
  if (here.name !== 'login') router.push({ name: 'login', query: { redirect: here.fullPath, expired: '1' } })
})
app.mount('#app')
