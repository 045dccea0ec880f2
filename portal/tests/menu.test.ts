import { describe, expect, it } from 'vitest'
import { menuFor, type Screen } from '../src/lib/menu'

const screens: Screen[] = [
  { path: '/app', title: '首页' },
  { path: '/app/records', permission: 'qualification_maintain' },
  { path: '/app/reviews', permission: 'qualification_review', actorKinds: ['platform'] },
  { path: '/app/org', title: '单位账号管理', accountKinds: ['unit'] },
]
const labels: Record<string, string> = { qualification_maintain: '资质维护', qualification_review: '资质审核' }

describe('menuFor', () => {
  it("lists what the caller's permissions give, with the dictionary's labels", () => {
    const me = { account_kind: 'operator', org_kind: 'enterprise', permissions: ['qualification_maintain'] }
    expect(menuFor(screens, me, (c) => labels[c])).toEqual([
      { path: '/app', title: '首页' }, { path: '/app/records', title: '资质维护' }])
  })

  it('needs the actor kind as well as the permission, and the account kind', () => {
    const reviewer = { account_kind: 'operator', org_kind: 'platform', permissions: ['qualification_review'] }
    expect(menuFor(screens, reviewer, (c) => labels[c]).map((m) => m.path)).toEqual(['/app', '/app/reviews'])
    const stranger = { account_kind: 'operator', org_kind: 'enterprise', permissions: ['qualification_review'] }
    expect(menuFor(screens, stranger, (c) => labels[c]).map((m) => m.path)).toEqual(['/app'])
    const unit = { account_kind: 'unit', org_kind: 'enterprise', permissions: [] }
    expect(menuFor(screens, unit, (c) => labels[c]).map((m) => m.path)).toEqual(['/app', '/app/org'])
  })
})
