// Choices for the national-catalog fields of the consumable records: certificates searched in the
// catalog by number or name prefix; the single items and products an enterprise may add, i.e. those
// under its own submitted (pending or approved) certificates and items, as the API requires.
import { api, unwrap, type Schemas } from '../api/client'

export interface Choice {
  value: string
  label: string
}

const SUBMITTED = ['pending', 'approved'] as const

export function certChoice(c: Pick<Schemas['CatalogCertView'], 'cert_no' | 'product_name' | 'registrant_name'>): Choice {
  return { value: c.cert_no, label: `${c.cert_no} · ${c.product_name}（${c.registrant_name}）` }
}

/** Merge choice lists, the first occurrence of each value kept, in order. */
export function mergeChoices(...lists: Choice[][]): Choice[] {
  const seen = new Set<string>()
  return lists.flat().filter((c) => !seen.has(c.value) && !!seen.add(c.value))
}

/** Certificates whose number or product name starts with ``q`` (one page of each). */
export async function searchCertificates(q: string): Promise<Choice[]> {
  const text = q.trim()
  if (!text) return []
  const [byNo, byName] = await Promise.all([
    api.GET('/catalog/certificates', { params: { query: { cert_no_prefix: text, limit: 20 } } }),
    api.GET('/catalog/certificates', { params: { query: { name_prefix: text, limit: 20 } } }),
  ])
  return mergeChoices(unwrap(byNo).items.map(certChoice), unwrap(byName).items.map(certChoice))
}

/** The data of the caller's records of a kind that are under review or approved. */
async function submitted(kind: string): Promise<Record<string, any>[]> {
  const pages = await Promise.all(SUBMITTED.map(async (tab) =>
    unwrap(await api.GET('/records/{kind}', { params: { path: { kind }, query: { tab, limit: 100 } } })).items))
  return pages.flat().map((r) => r.data as Record<string, any>)
}

/** Single items under the caller's submitted registration certificates. */
export async function itemChoices(): Promise<Choice[]> {
  const certs = [...new Set((await submitted('registration_certificate')).map((d) => String(d.cert_no)))]
  const pages = await Promise.all(certs.map(async (cert_no) =>
    unwrap(await api.GET('/catalog/certificates/{cert_no}/items', { params: { path: { cert_no }, query: { limit: 100 } } })).items))
  return pages.flat().map((i) => ({ value: i.code20, label: `${i.code20} · ${i.name}` }))
}

/** Products (规格型号) under the caller's submitted single items. */
export async function productChoices(): Promise<Choice[]> {
  const items = [...new Set((await submitted('consumable_item')).map((d) => String(d.code20)))]
  const pages = await Promise.all(items.map(async (code20) =>
    unwrap(await api.GET('/catalog/items/{code20}/products', { params: { path: { code20 }, query: { limit: 100 } } })).items))
  return pages.flat().map((p) => ({ value: p.code27, label: `${p.code27} · ${[p.specification, p.model].filter(Boolean).join(' / ')}` }))
}

let units: Promise<Choice[]> | null = null

/** The units dictionary (every page), loaded once. */
export function unitChoices(): Promise<Choice[]> {
  units ??= (async () => {
    const out: Choice[] = []
    let cursor: string | undefined
    do {
      const page = unwrap(await api.GET('/dictionaries/units', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))
      out.push(...page.items.map((u) => ({ value: u.code, label: u.name })))
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    return out
  })().catch((e) => {
    units = null
    throw e
  })
  return units
}
