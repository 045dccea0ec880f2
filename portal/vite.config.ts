/// <reference types="vitest/config" />
// The portal build. Element Plus components are imported on demand (unplugin-vue-components
// with its resolver) so a screen loads only what it uses. `vite preview` serves the build and
// proxies /api to the API (MP_API_URL, set by ops/local.py): one origin, no CORS.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const api = process.env.MP_API_URL ?? 'http://127.0.0.1:8000'
const proxy = {
  '/api': { target: api, changeOrigin: true, rewrite: (path: string) => path.replace(/^\/api/, '') },
}

export default defineConfig({
  plugins: [
    vue(),
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
  ],
  build: { target: 'es2022', chunkSizeWarningLimit: 800 },
  server: { proxy },
  preview: { proxy },
  test: { environment: 'node', include: ['tests/**/*.test.ts'] },
})
