import { expect, it } from 'vitest'
import { beijingTime } from '../src/lib/format'

it('shows instants in Beijing time', () => {
  expect(beijingTime('2026-12-04T16:30:00Z')).toBe('2026-12-05 00:30')
  expect(beijingTime('2026-12-04T18:00:00+08:00')).toBe('2026-12-04 18:00')
  expect(beijingTime(null)).toBe('')
})
