// What the login box accepts: one field, four kinds of login (SPEC §3.1; the API decides which).

export type LoginKind = 'unit' | 'credit_code' | 'mobile' | 'sub_account'

export const LOGIN_KINDS: { kind: LoginKind; label: string; placeholder: string }[] = [
  { kind: 'unit', label: '单位账号', placeholder: '请输入单位账号' },
  { kind: 'credit_code', label: '统一社会信用代码', placeholder: '请输入18位统一社会信用代码' },
  { kind: 'mobile', label: '经办人手机号', placeholder: '请输入经办人手机号' },
  { kind: 'sub_account', label: '子账号', placeholder: '请输入子账号' },
]

const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/
const MOBILE = /^1[3-9]\d{9}$/
const NAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/

/** The message to show under the login field, or null when the value fits its kind. */
export function checkLogin(kind: LoginKind, value: string): string | null {
  const v = value.trim()
  if (!v) return '请输入登录账号'
  if (kind === 'credit_code' && !CREDIT_CODE.test(v.toUpperCase())) return '统一社会信用代码应为18位数字或大写字母'
  if (kind === 'mobile' && !MOBILE.test(v)) return '请输入11位手机号'
  if ((kind === 'unit' || kind === 'sub_account') && !NAME.test(v)) return '账号以字母开头，4–32位字母、数字或下划线'
  return null
}

/** The login as sent: credit codes in upper case, spaces trimmed. */
export function normaliseLogin(kind: LoginKind, value: string): string {
  const v = value.trim()
  return kind === 'credit_code' ? v.toUpperCase() : v
}

/** Where to go after a session answer: change the password, pick an organisation, or in. */
export function nextStep(session: { scope: string; pending_actions?: { code: string }[] }):
  'password' | 'organisation' | 'app' {
  const pending = new Set((session.pending_actions ?? []).map((a) => a.code))
  if (session.scope === 'password_change' || pending.has('change_password') || pending.has('password_expired'))
    return 'password'
  if (session.scope === 'select_org') return 'organisation'
  return 'app'
}
