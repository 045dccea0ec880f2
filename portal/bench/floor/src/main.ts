// The floor of bench/portal.py: a blank Vue page built by the same Vite.
import { createApp, h } from 'vue'

createApp({ render: () => h('button', { id: 'ready' }, '登录') }).mount('#app')
