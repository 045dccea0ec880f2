// Chinese labels of statuses and kinds, from the API's dictionaries (GET /dictionaries/enums):
// loaded once, never copied into the portal.
import { defineStore } from 'pinia'
import './pinia'
import { api, unwrap } from '../api/client'

export const useDictionaries = defineStore('dictionaries', {
  state: () => ({ enums: {} as Record<string, Record<string, string>>, loading: null as Promise<void> | null }),
  actions: {
    load(): Promise<void> {
      this.loading ??= (async () => {
        const list = unwrap(await api.GET('/dictionaries/enums'))
        const enums: Record<string, Record<string, string>> = {}
        for (const e of list.items) enums[e.name] = Object.fromEntries(e.members.map((m) => [m.code, m.label]))
        this.enums = enums
      })().catch((e) => {
        this.loading = null
        throw e
      })
      return this.loading
    },
    label(enumName: string, code: string | null | undefined): string {
      if (!code) return ''
      return this.enums[enumName]?.[code] ?? code
    },
    members(enumName: string): { code: string; label: string }[] {
      return Object.entries(this.enums[enumName] ?? {}).map(([code, label]) => ({ code, label }))
    },
  },
})
