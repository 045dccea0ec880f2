// bench/portal.py: the floor plus the Element Plus components the login page uses (on demand, the
// same resolver), so "Element Plus's own share" of the login page is measured, not guessed.
import { createApp } from 'vue'
import App from './App.vue'

createApp(App).mount('#app')
