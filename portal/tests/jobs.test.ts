import { expect, it } from 'vitest'
import { jobPercent } from '../src/lib/jobs'
import { certChoice, mergeChoices } from '../src/lib/catalogOptions'
import { RECORD_FORMS, dataOf } from '../src/lib/recordKinds'

it("shows a job's progress from the API's percentage, else done/total, 100 once it succeeded", () => {
  expect(jobPercent({ status: 'running', progress_percent: 42.6, progress_done: 1, progress_total: 1000 })).toBe(43)
  expect(jobPercent({ status: 'running', progress_percent: null, progress_done: 30, progress_total: 120 })).toBe(25)
  expect(jobPercent({ status: 'queued', progress_percent: null, progress_done: 0, progress_total: null })).toBe(0)
  expect(jobPercent({ status: 'succeeded', progress_percent: 90, progress_done: 9, progress_total: 10 })).toBe(100)
})

it('merges catalog choices without repeating a certificate', () => {
  const a = certChoice({ cert_no: '国械注准20193140101', product_name: '注射器', registrant_name: '青海' })
  const b = { value: '国械注准20193140101', label: '国械注准20193140101' }
  const c = { value: '青械注准20202140002', label: '口罩' }
  expect(mergeChoices([a], [b, c])).toEqual([a, c])
})

it("sends only the entrustment type's own documents, and the certificates as a list", () => {
  const form = RECORD_FORMS.find((f) => f.kind === 'entrustment')!
  const data = dataOf(form, { type: 'overseas_agent', valid_from: '2026-01-01', valid_to: '2027-01-01',
    authorization_letter_en_file_id: 'f1', authorization_letter_zh_file_id: 'f1', agreement_file_id: 'stale' })
  expect(data).toEqual({ type: 'overseas_agent', certificate_nos: [], valid_from: '2026-01-01', valid_to: '2027-01-01',
    authorization_letter_en_file_id: 'f1', authorization_letter_zh_file_id: 'f1' })
})
