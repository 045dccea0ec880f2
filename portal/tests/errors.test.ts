import { describe, expect, it } from 'vitest'
import { fieldErrors, toApiError } from '../src/lib/errors'

const body = (details: { field: string; message: string }[]) => ({
  code: 'invalid_input', message: '输入有误', details, request_id: null, correlation_id: null,
})

describe('API refusals', () => {
  it('puts each field error at its field, nested paths by their last name', () => {
    expect(fieldErrors(body([
      { field: 'unit.credit_code', message: '校验位错误' },
      { field: 'operator.mobile', message: '格式错误' },
      { field: 'attachments.0.file_id', message: '文件未校验' },
    ]))).toEqual({ credit_code: '校验位错误', mobile: '格式错误', file_id: '文件未校验' })
  })

  it('joins two errors of one field', () => {
    expect(fieldErrors(body([{ field: 'password', message: 'a' }, { field: 'password', message: 'b' }])))
      .toEqual({ password: 'a；b' })
  })

  it("keeps the API's message and code, and makes one when the body is not the API's", () => {
    const e = toApiError(409, { error: { ...body([]), code: 'window_closed', message: '申报已截止' } })
    expect([e.status, e.code, e.message]).toEqual([409, 'window_closed', '申报已截止'])
    const g = toApiError(502, '<html>bad gateway</html>')
    expect([g.code, g.message]).toEqual(['http_502', '请求失败（HTTP 502）'])
  })
})
