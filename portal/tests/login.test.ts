import { describe, expect, it } from 'vitest'
import { checkLogin, nextStep, normaliseLogin } from '../src/lib/login'

describe('checkLogin', () => {
  it('accepts each kind of login in its own shape', () => {
    expect(checkLogin('unit', 'qh_maker')).toBeNull()
    expect(checkLogin('credit_code', '91630100ma0000007')).toBe('统一社会信用代码应为18位数字或大写字母')
    expect(checkLogin('credit_code', '91630100MA00000070')).toBeNull()
    expect(checkLogin('mobile', '13800000007')).toBeNull()
    expect(checkLogin('sub_account', 'clerk_01')).toBeNull()
  })

  it('refuses what cannot be that kind', () => {
    expect(checkLogin('mobile', '1380000000')).toBe('请输入11位手机号')
    expect(checkLogin('unit', '9abc')).toMatch(/字母开头/)
    expect(checkLogin('unit', 'abc')).toMatch(/4–32位/)
    expect(checkLogin('credit_code', '91630100MA000000I7')).not.toBeNull() // I is not in the code alphabet
    expect(checkLogin('mobile', '   ')).toBe('请输入登录账号')
  })

  it('sends credit codes upper-cased and every login trimmed', () => {
    expect(normaliseLogin('credit_code', ' 91630100ma0000007x ')).toBe('91630100MA0000007X')
    expect(normaliseLogin('unit', ' Qh_Maker ')).toBe('Qh_Maker')
  })
})

describe('nextStep', () => {
  it('asks for the password first, then the organisation, then lets in', () => {
    expect(nextStep({ scope: 'password_change' })).toBe('password')
    expect(nextStep({ scope: 'org', pending_actions: [{ code: 'password_expired' }] })).toBe('password')
    expect(nextStep({ scope: 'select_org', pending_actions: [{ code: 'certify_role' }] })).toBe('organisation')
    expect(nextStep({ scope: 'org', pending_actions: [{ code: 'certify_role' }] })).toBe('app')
  })
})
