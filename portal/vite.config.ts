/// <reference types="vitest/config" />
// The portal build. Element Plus components are imported on demand (unplugin-vue-components
// with its resolver) so a screen loads only what it uses. `vite preview` serves the build and
// proxies /api to the API (MP_API_URL, set by ops/local.py): one origin, no CORS.
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { fileURLToPath } from 'node:url'

const api = process.env.MP_API_URL ?? 'http://127.0.0.1:8000'
const proxy = {
  '/api': { target: api, changeOrigin: true, rewrite: (path: string) => path.replace(/^\/api/, '') },
}

// The first load (the login page and the public pages' frame) is whatever src/main.ts imports
// statically: put all of it in one chunk (one JS and one CSS file) instead of the dozen small
// shared chunks the default splitting makes of it, which gzip worse and cost a request each.
// Every lazily loaded screen keeps its own chunks. Of node_modules only the framework is captured
// by name; the Element Plus parts the first load uses follow it as dependencies of the captured
// modules (capturing Element Plus's index modules by name would pull in every component).
const MAIN = fileURLToPath(new URL('./src/main.ts', import.meta.url))
type Info = { importedIds: readonly string[] } | null
let firstLoad: Set<string> | null = null
const FRAMEWORK = /node_modules[\\/](@vue|vue|vue-router|openapi-fetch)[\\/]/

function inFirstLoad(id: string, ctx: { getModuleInfo(id: string): Info }): string | null {
  if (!firstLoad) {
    firstLoad = new Set()
    const todo = [MAIN]
    while (todo.length) {
      const next = todo.pop()!
      if (firstLoad.has(next)) continue
      firstLoad.add(next)
      todo.push(...(ctx.getModuleInfo(next)?.importedIds ?? []))
    }
  }
  return firstLoad.has(id) && (!id.includes('node_modules') || FRAMEWORK.test(id)) ? 'app' : null
}

// Two of Element Plus's dependencies are single files (all icons in one module, all of VueUse in
// another), so the chunk that holds one carries every icon or helper that any screen uses: the
// first load would grow with each lazily loaded screen. Each Element Plus component (or hook)
// gets its own copy of them instead, tree-shaken to what that component uses; they are pure
// render functions and stateless helpers, so a copy more is only a few bytes more.
const COPIED = new Set(['@element-plus/icons-vue', '@vueuse/core', '@vueuse/shared'])
const OWNER = /element-plus[\\/]es[\\/]((?:components|hooks)[\\/][^\\/]+)/

function copyPerComponent(): Plugin {
  return {
    name: 'medprocure:copy-per-component',
    apply: 'build',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      // the owner: the importing component, or the copy (of @vueuse/core) that imports it
      const owner = importer && COPIED.has(source) ? (OWNER.exec(importer)?.[1] ?? /\?owner=(.+)$/.exec(importer)?.[1]) : undefined
      if (!owner) return null
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
      return resolved && { ...resolved, id: `${resolved.id}?owner=${owner.replace(/[\\/]/g, '-')}` }
    },
  }
}

export default defineConfig({
  plugins: [
    copyPerComponent(),
    vue(),
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
  ],
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 800,
    // The first load's chunk carries the preload list of every lazy screen: keep only their
    // stylesheets in it (a screen's scripts are found by the browser through its own imports), and
    // no modulepreload polyfill (every browser the portal supports has modulepreload).
    modulePreload: { polyfill: false, resolveDependencies: (_file, deps) => deps.filter((d) => d.endsWith('.css')) },
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: inFirstLoad, debugName: 'first load' }] } } },
  },
  server: { proxy },
  preview: { proxy },
  test: { environment: 'node', include: ['tests/**/*.test.ts'] },
})
