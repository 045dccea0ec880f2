import { expect, it } from 'vitest'
import { RECORD_FORMS, describePatch, fieldLabels } from '../src/lib/recordKinds'

it('names a changed field by its form label, not its field name', () => {
  const labels = fieldLabels(RECORD_FORMS.find((f) => f.kind === 'enterprise_info'))
  const lines = describePatch([{ op: 'replace', path: '/address', value: '八一路 99 号' }], labels)
  expect(lines).toEqual([{ field: '企业地址', op: '修改', value: '八一路 99 号' }])
})

it('names nested paths by label and position, and keeps an unknown field as sent', () => {
  const lines = describePatch([
    { op: 'add', path: '/packagings/1/unit', value: '盒' },
    { op: 'remove', path: '/legacy' },
  ], { packagings: '包装', unit: '单位' })
  expect(lines.map((l) => l.field)).toEqual(['包装 · 第 2 项 · 单位', 'legacy'])
  expect(lines[1]).toMatchObject({ op: '删除', value: '' })
})
