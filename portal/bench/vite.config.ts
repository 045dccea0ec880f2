// Builds one of the bench pages (BENCH_PAGE=floor|element-plus) the way the portal is built.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { fileURLToPath } from 'node:url'

const page = process.env.BENCH_PAGE ?? 'floor'
const root = fileURLToPath(new URL(`./${page}`, import.meta.url))

export default defineConfig({
  root,
  plugins: [vue(), Components({ resolvers: [ElementPlusResolver()], dts: false })],
  build: { target: 'es2022', outDir: `${root}/dist`, emptyOutDir: true },
})
