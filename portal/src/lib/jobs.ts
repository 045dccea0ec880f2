// Long jobs (docs/jobs: GET /jobs/{id}): an import file uploaded straight to S3 with a presigned
// POST, the job started on it, then polled until it ends; its result (the error workbook of an
// import, the file of an export) is a short-lived link. Templates come inline (base64).
import { api, unwrap, type Schemas } from '../api/client'
import { postForm, presignedBody } from './upload'

export type JobView = Schemas['JobView']
export type UploadTicket = Schemas['UploadTicket']

export const JOB_DONE = new Set(['succeeded', 'failed'])

/** The bar's percentage: the API's figure, else done/total, else nothing known yet. */
export function jobPercent(job: Pick<JobView, 'status' | 'progress_percent' | 'progress_done' | 'progress_total'>): number {
  if (job.status === 'succeeded') return 100
  if (job.progress_percent != null) return Math.max(0, Math.min(100, Math.round(job.progress_percent)))
  if (job.progress_total) return Math.min(100, Math.round((job.progress_done / job.progress_total) * 100))
  return 0
}

/** Save an inline file (a template) under its name. */
export function saveInline(file: { filename: string; content_type: string; content_base64: string }): void {
  const bytes = Uint8Array.from(atob(file.content_base64), (c) => c.charCodeAt(0))
  saveBlob(new Blob([bytes], { type: file.content_type }), file.filename)
}

export function saveBlob(blob: Blob, filename: string): void {
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = filename
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}

/** Upload ``file`` with the ticket; the upload key to start the job with. */
export async function uploadImport(ticket: UploadTicket, file: File, onProgress: (p: number) => void): Promise<string> {
  if (file.size > ticket.max_bytes) throw new Error(`文件过大（不超过 ${Math.floor(ticket.max_bytes / 1024 / 1024)} MB）`)
  await postForm(ticket.url, presignedBody(ticket, file, file.name), onProgress)
  return ticket.upload_key
}

/** Poll a job until it ends, calling ``seen`` with each state. */
export async function followJob(job: JobView, seen: (j: JobView) => void, everyMs = 1000,
  stopped: () => boolean = () => false): Promise<JobView> {
  let current = job
  seen(current)
  while (!JOB_DONE.has(current.status) && !stopped()) {
    await new Promise((r) => setTimeout(r, everyMs))
    current = unwrap(await api.GET('/jobs/{job_id}', { params: { path: { job_id: current.job_id } } }))
    seen(current)
  }
  return current
}
