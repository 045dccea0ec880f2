// The API's refusals (ErrorResponse): one message for the page, one per field for the form.
import type { components } from '../api/schema'

export type ErrorBody = components['schemas']['ErrorBody']

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Record<string, string>
  /** The field errors with their whole paths (e.g. "allocations.G01.<credit code>"). */
  readonly details: { field: string; message: string }[]

  constructor(status: number, body: ErrorBody) {
    super(body.message)
    this.status = status
    this.code = body.code
    this.fields = fieldErrors(body)
    this.details = (body.details ?? []).map((d) => ({ field: d.field, message: d.message }))
  }
}

/** Field errors keyed by the last segment of the field path ("unit.credit_code" → "credit_code"). */
export function fieldErrors(body: ErrorBody): Record<string, string> {
  const out: Record<string, string> = {}
  for (const d of body.details ?? []) {
    const key = d.field.split('.').filter((s) => s && !/^\d+$/.test(s)).pop() ?? d.field
    out[key] = out[key] ? `${out[key]}；${d.message}` : d.message
  }
  return out
}

/** An ApiError from whatever a failed call returned (a non-JSON body becomes a generic one). */
export function toApiError(status: number, error: unknown): ApiError {
  const body = (error as { error?: ErrorBody } | undefined)?.error
  if (body && typeof body.message === 'string') return new ApiError(status, body)
  return new ApiError(status, { code: 'http_' + status, message: `请求失败（HTTP ${status}）`, details: [], request_id: null, correlation_id: null })
}
