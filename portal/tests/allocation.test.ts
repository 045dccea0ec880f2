import { describe, expect, it } from 'vitest'
import {
  apiFieldErrors, approvedPercent, buckets, checkGroup, initialInputs, parseQuantity, payload, savedGroups, selectable,
  submitBlock, type Line,
} from '../src/lib/allocation'
import { toApiError } from '../src/lib/errors'

const w = (credit_code: string, rank: number, own = 0) => ({ credit_code, name: credit_code, rank, price: '1.00', base: 1, own, agreement: 1 + own })
// The docs' worked example: demand 16, remaining 7 over three winners; a second group with 4 left.
const G1: Line = { group_code: 'G01', remaining: 7, winners: [w('A', 1), w('B', 2), w('C', 3)] }
const G2: Line = { group_code: 'G02', remaining: 4, winners: [w('A', 1), w('B', 2)] }

describe('parseQuantity', () => {
  it('takes whole non-negative numbers and refuses the rest as the API would', () => {
    expect(parseQuantity(' 3 ')).toEqual({ value: 3, error: '' })
    expect(parseQuantity('')).toEqual({ value: null, error: '' })
    expect(parseQuantity('2.5').error).toBe('分配量须为整数')
    expect(parseQuantity('2.0').value, '2.0 is the integer 2').toBe(2)
    expect(parseQuantity('-1').error).toBe('分配量不能为负数')
    expect(parseQuantity('abc').error).toBe('分配量须为整数')
    expect(parseQuantity('1e3').error, 'no exponent notation').toBe('分配量须为整数')
  })
})

describe('checkGroup', () => {
  it('keeps a running still-to-allocate and is complete only at exactly the remaining', () => {
    expect(checkGroup(G1, { A: '3', B: '2', C: '' })).toMatchObject({ allocated: 5, still: 2, complete: false, group: '还需分配 2' })
    expect(checkGroup(G1, { A: '3', B: '2', C: '2' })).toMatchObject({ still: 0, complete: true, group: '' })
    expect(checkGroup(G1, { A: '8' })).toMatchObject({ still: -1, complete: false, group: '超出剩余量 1' })
    expect(checkGroup(G1, {})).toMatchObject({ blank: true, complete: false, group: '' })
  })
  it('names the input that is wrong, including a quantity for a non-winner', () => {
    const c = checkGroup(G1, { A: '6.5', B: '-1', X: '1' })
    expect(c.fields).toEqual({ A: '分配量须为整数', B: '分配量不能为负数', X: '该企业不是本竞标分组的中选企业' })
    expect(c.complete).toBe(false)
  })
})

describe('payload', () => {
  it('sends only complete groups for a draft and leaves blank groups as saved', () => {
    const p = payload([G1, G2], { G01: { A: '7', B: '', C: '' }, G02: {} }, false)
    expect(p).toEqual({ ok: true, errors: {}, allocations: { G01: { A: 7, B: 0, C: 0 } } })
  })
  it('refuses a partial group before sending, keyed as the API keys its field errors', () => {
    const p = payload([G1, G2], { G01: { A: '3' }, G02: { A: '1', B: '1.5' } }, false)
    expect(p.ok).toBe(false)
    expect(p.errors).toEqual({ G01: '还需分配 4', 'G02.B': '分配量须为整数' })
  })
  it('needs every group with a remaining for a submit, unless it was saved complete', () => {
    const lines = [G1, G2]
    expect(payload(lines, { G01: { A: '7' } }, true).errors).toEqual({ G02: '剩余量尚未分配（还需分配 4）' })
    expect(payload(lines, { G01: { A: '7' } }, true, new Set(['G02'])).ok).toBe(true)
  })
  it('keeps the whole field paths of a refusal, so each lands on its own input', () => {
    const err = toApiError(400, { error: { code: 'bad_allocation', message: '自主分配量有误', request_id: null, correlation_id: null,
      details: [{ field: 'allocations.G01.A', message: '分配量须为整数' }, { field: 'allocations.G02.A', message: '分配量不能为负数' }] } })
    expect(apiFieldErrors(err.details)).toEqual({ 'G01.A': '分配量须为整数', 'G02.A': '分配量不能为负数' })
  })
  it('maps the API field errors onto the same keys', () => {
    expect(apiFieldErrors([{ field: 'allocations.G01', message: '须等于剩余量 7' }, { field: 'allocations.G01.B', message: '负数' }]))
      .toEqual({ G01: '须等于剩余量 7', 'G01.B': '负数' })
  })
  it('starts from what was saved', () => {
    const saved: Line = { ...G2, winners: [w('A', 1, 3), w('B', 2, 1)] }
    expect(savedGroups([G1, saved])).toEqual(new Set(['G02']))
    expect(initialInputs([G1, saved])).toEqual({ G01: { A: '', B: '', C: '' }, G02: { A: '3', B: '1' } })
  })
})

describe('review levels', () => {
  it('lets pending rows be ticked, approved ones only after the level above returned this level', () => {
    expect(selectable('city', 'pending_city', 'open')).toBe(true)
    expect(selectable('city', 'city_approved', 'open')).toBe(false)
    expect(selectable('city', 'city_approved', 'returned')).toBe(true)
    expect(selectable('city', 'not_filled', 'open')).toBe(false)
    expect(selectable('city', 'pending_city', 'submitted'), 'nothing while submitted upwards').toBe(false)
    expect(selectable('province', 'submitted', 'open')).toBe(true)
    expect(selectable('alliance', 'submitted', 'filling')).toBe(true)
  })
  it('says why 提交 is disabled, as the API would refuse it', () => {
    expect(submitBlock('city', 'open', { pending_city: 2, returned: 1, city_approved: 2 })).toBe('还有 3 个医疗机构未审核通过，不能提交')
    expect(submitBlock('city', 'open', { not_filled: 3 })).toBe('没有审核通过的医疗机构，不能提交')
    expect(submitBlock('city', 'open', { not_filled: 3, city_approved: 1 })).toBe('')
    expect(submitBlock('city', 'submitted', { city_approved: 1 })).toBe('本级分量数据已提交上级')
    expect(submitBlock('province', 'open', { submitted: 1, approved: 1 })).toBe('还有 1 个地市未审核通过，不能提交')
    expect(submitBlock('alliance', 'completed', { approved: 2 })).toBe('分量项目不在进行中')
  })
})

describe('dashboard buckets', () => {
  it('groups sheet statuses into 未填报 / 已提交 / 已审核 / 已退回', () => {
    const counts = { not_filled: 3, draft: 1, pending_city: 2, city_approved: 2, returned: 1 }
    expect(buckets(counts)).toEqual({ unfilled: 4, submitted: 2, approved: 2, returned: 1 })
    expect(approvedPercent(counts)).toBe(22)
    expect(approvedPercent({})).toBe(0)
  })
})

describe('dashboard charts', () => {
  it('stacks the four buckets per unit, named by the unit', async () => {
    const { stackedBarOption, totalsPieOption } = await import('../src/lib/allocationCharts')
    const bar = stackedBarOption([
      { unit: '630000', unit_name: '青海省', counts: { not_filled: 3, pending_city: 2, city_approved: 8, returned: 1 } },
      { unit: '620000', unit_name: null, counts: { pending_city: 3, not_filled: 3 } },
    ])
    expect(bar.xAxis.data).toEqual(['青海省', '620000'])
    expect(bar.series.map((s) => [s.name, s.data])).toEqual([
      ['未填报', [3, 3]], ['已提交', [2, 3]], ['已审核', [8, 0]], ['已退回', [1, 0]]])
    expect(new Set(bar.series.map((s) => s.stack)).size, 'one stack').toBe(1)
    const pie = totalsPieOption({ not_filled: 6, draft: 1, pending_city: 5 })
    expect(pie.series[0].data.map((d) => d.value), "empty buckets draw no slice").toEqual([7, 5, null, null])
  })
})
