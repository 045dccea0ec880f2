// Allocation (分量, docs/allocation.md): the rules the API applies, checked in the portal before
// anything is sent — an institution's own allocation of a group's remaining (自主分配: whole,
// non-negative, only to the group's winners, summing exactly to the remaining), what is still to
// allocate (还需分配), which rows a reviewing level may select, and why 提交 is not possible yet.
// Pure functions: tests/allocation.test.ts.

export interface Winner {
  credit_code: string
  name: string
  rank: number
  price: string
  base: number
  own: number
  agreement: number
}

export interface Line {
  group_code: string
  remaining: number
  winners: Winner[]
}

/** What the user typed, per group and winner's credit code (text, as an input holds it). */
export type Inputs = Record<string, Record<string, string>>

export interface GroupCheck {
  /** Σ of the quantities that parse (blank counts 0). */
  allocated: number
  /** remaining − allocated (negative when over-allocated). */
  still: number
  /** Every input of the group blank: the group is left as saved. */
  blank: boolean
  /** Every quantity valid and the sum equals the remaining. */
  complete: boolean
  /** Per winner's credit code: what is wrong with its input. */
  fields: Record<string, string>
  /** What is wrong with the group as a whole (the sum). */
  group: string
}

/** One input: blank (null), a whole non-negative number, or the reason it is refused. */
export function parseQuantity(text: string | undefined): { value: number | null; error: string } {
  const t = (text ?? '').trim()
  if (!t) return { value: null, error: '' }
  if (!/^[+-]?\d+(\.\d+)?$/.test(t)) return { value: null, error: '分配量须为整数' }
  const n = Number(t)
  if (n < 0) return { value: null, error: '分配量不能为负数' }
  if (!Number.isInteger(n)) return { value: null, error: '分配量须为整数' }
  if (!Number.isSafeInteger(n)) return { value: null, error: '分配量过大' }
  return { value: n, error: '' }
}

export function checkGroup(line: Line, typed: Record<string, string> | undefined): GroupCheck {
  const winners = new Set(line.winners.map((w) => w.credit_code))
  const fields: Record<string, string> = {}
  let allocated = 0
  let blank = true
  for (const [code, text] of Object.entries(typed ?? {})) {
    const { value, error } = parseQuantity(text)
    if ((text ?? '').trim()) blank = false
    if (!winners.has(code)) {
      if ((text ?? '').trim()) fields[code] = '该企业不是本竞标分组的中选企业'
      continue
    }
    if (error) fields[code] = error
    else if (value !== null) allocated += value
  }
  const still = line.remaining - allocated
  let group = ''
  if (!blank && !Object.keys(fields).length && still !== 0)
    group = still > 0 ? `还需分配 ${still}` : `超出剩余量 ${-still}`
  const complete = !Object.keys(fields).length && still === 0 && (!blank || line.remaining === 0)
  return { allocated, still, blank, complete, fields, group }
}

/** The groups whose own allocation was saved (Σ own = remaining > 0; the API keeps nothing partial). */
export function savedGroups(lines: Line[]): Set<string> {
  return new Set(lines.filter((l) => l.remaining > 0 && l.winners.reduce((n, w) => n + w.own, 0) === l.remaining)
    .map((l) => l.group_code))
}

/** The inputs a sheet starts from: the saved own allocation, blank where nothing was saved. */
export function initialInputs(lines: Line[]): Inputs {
  const saved = savedGroups(lines)
  return Object.fromEntries(lines.map((l) => [
    l.group_code,
    Object.fromEntries(l.winners.map((w) => [w.credit_code, saved.has(l.group_code) ? String(w.own) : ''])),
  ]))
}

export interface Payload {
  /** {group: {credit code: qty}} of the groups to send (blank groups are left out: they keep what was saved). */
  allocations: Record<string, Record<string, number>>
  /** Field errors keyed as the API names them: "G01" (the sum) or "G01.<credit code>". */
  errors: Record<string, string>
  ok: boolean
}

/**
 * What to send for 暂存 (save) or 提交 (submit): every typed group must be valid and sum to its
 * remaining; for a submit every group with a remaining must also be allocated (the API's
 * allocation_incomplete), unless it was already saved complete (``savedGroups``).
 */
export function payload(lines: Line[], inputs: Inputs, submit: boolean, savedGroups: Set<string> = new Set()): Payload {
  const allocations: Record<string, Record<string, number>> = {}
  const errors: Record<string, string> = {}
  for (const line of lines) {
    const check = checkGroup(line, inputs[line.group_code])
    for (const [code, message] of Object.entries(check.fields)) errors[`${line.group_code}.${code}`] = message
    if (check.group) errors[line.group_code] = check.group
    if (check.blank) {
      if (submit && line.remaining > 0 && !savedGroups.has(line.group_code))
        errors[line.group_code] = `剩余量尚未分配（还需分配 ${line.remaining}）`
      continue
    }
    if (check.complete) {
      allocations[line.group_code] = Object.fromEntries(line.winners.map((w) => [
        w.credit_code, parseQuantity(inputs[line.group_code]?.[w.credit_code]).value ?? 0]))
    }
  }
  return { allocations, errors, ok: !Object.keys(errors).length }
}

/** The API's field errors ("allocations.G01.<code>") in the keys ``payload`` uses ("G01.<code>"). */
export function apiFieldErrors(details: { field: string; message: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const d of details ?? []) {
    const key = d.field.replace(/^allocations\.?/, '')
    if (key) out[key] = out[key] ? `${out[key]}；${d.message}` : d.message
  }
  return out
}

// -- the reviewing levels ---------------------------------------------------------------------

export type LevelName = 'city' | 'province' | 'alliance'

export interface LevelRules {
  /** The status of a unit below that waits for this level. */
  pending: string
  /** The status of an approved unit below. */
  approved: string
  /** Statuses below that block the submit (docs/allocation.md: SHEET_BLOCKING / LEVEL_BLOCKING). */
  blocking: string[]
  /** The units below, in messages. */
  what: string
}

export const LEVELS: Record<LevelName, LevelRules> = {
  city: { pending: 'pending_city', approved: 'city_approved', blocking: ['pending_city', 'returned'], what: '医疗机构' },
  province: { pending: 'submitted', approved: 'approved', blocking: ['submitted', 'returned'], what: '地市' },
  alliance: { pending: 'submitted', approved: 'approved', blocking: ['submitted', 'returned'], what: '省份' },
}

/** A level may act on what is below it while its own submission is open or returned to it. */
export function working(ownStatus: string | null | undefined): boolean {
  return ownStatus === 'open' || ownStatus === 'returned' || ownStatus === 'filling'
}

/**
 * May this row be ticked? Approved rows are not (the manual: 已审核通过的医疗机构，不可勾选), unless the
 * level above returned this level's submission: then an approved unit may be sent back (返回修改).
 */
export function selectable(level: LevelName, rowStatus: string, ownStatus: string | null | undefined): boolean {
  if (!working(ownStatus)) return false
  const rules = LEVELS[level]
  if (rowStatus === rules.pending) return true
  return rowStatus === rules.approved && ownStatus === 'returned'
}

/** Why 提交 (city, province) or 完成 (alliance) is not possible now, or '' when it is. */
export function submitBlock(level: LevelName, ownStatus: string | null | undefined, counts: Record<string, number>): string {
  if (!working(ownStatus)) return level === 'alliance' ? '分量项目不在进行中' : '本级分量数据已提交上级'
  const rules = LEVELS[level]
  const waiting = rules.blocking.reduce((n, s) => n + (counts[s] ?? 0), 0)
  if (waiting) return `还有 ${waiting} 个${rules.what}未审核通过，不能提交`
  if (!(counts[rules.approved] ?? 0)) return `没有审核通过的${rules.what}，不能提交`
  return ''
}

// -- the progress dashboards ---------------------------------------------------------------------

/** The dashboard's four buckets of institutions by sheet status (未填报 includes 暂存: not yet submitted). */
export const BUCKETS: { key: string; label: string; statuses: string[]; color: string }[] = [
  { key: 'unfilled', label: '未填报', statuses: ['not_filled', 'draft'], color: '#909399' },
  { key: 'submitted', label: '已提交', statuses: ['pending_city'], color: '#409eff' },
  { key: 'approved', label: '已审核', statuses: ['city_approved'], color: '#67c23a' },
  { key: 'returned', label: '已退回', statuses: ['returned'], color: '#f56c6c' },
]

export function buckets(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(BUCKETS.map((b) => [b.key, b.statuses.reduce((n, s) => n + (counts[s] ?? 0), 0)]))
}

/** Share of institutions approved by their city, in whole percent. */
export function approvedPercent(counts: Record<string, number>): number {
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  return total ? Math.floor((100 * (counts.city_approved ?? 0)) / total) : 0
}
