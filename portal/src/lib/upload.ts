// PDF upload straight to S3 (docs/documents.md): POST /files gives a presigned POST; the browser
// posts the form fields then the file, with progress; POST /files/{id}/complete makes the API
// verify the object (size, %PDF- magic, parse) and answers verified or rejected with a reason.
import { api, unwrap, type Schemas } from '../api/client'

export type FileView = Schemas['FileView']
export type UploadForm = Schemas['UploadForm']

/** The multipart body of a presigned POST: the policy fields in order, the file last. */
export function presignedBody(form: Pick<UploadForm, 'fields'>, file: Blob, filename: string): FormData {
  const body = new FormData()
  for (const [k, v] of Object.entries(form.fields)) body.append(k, v)
  body.append('file', file, filename)
  return body
}

/** A refusal to show before uploading, from the limits the ticket states. */
export function checkSize(form: Pick<UploadForm, 'min_bytes' | 'max_bytes'>, size: number): string | null {
  if (size < form.min_bytes) return `文件过小（至少 ${form.min_bytes} 字节）`
  if (size > form.max_bytes) return `文件过大（不超过 ${Math.floor(form.max_bytes / 1024 / 1024)} MB）`
  return null
}

/** POST a presigned form to the file store, reporting the upload's progress. */
export function postForm(url: string, body: FormData, onProgress: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100))
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error(`上传失败（HTTP ${xhr.status}）`)))
    xhr.onerror = () => reject(new Error('上传失败：无法连接文件存储'))
    xhr.send(body)
  })
}

export async function uploadPdf(file: File, purpose: string, onProgress: (percent: number) => void): Promise<FileView> {
  const ticket = unwrap(await api.POST('/files', { body: { filename: file.name, purpose } }))
  const tooBig = checkSize(ticket.upload, file.size)
  if (tooBig) throw new Error(tooBig)
  await postForm(ticket.upload.url, presignedBody(ticket.upload, file, file.name), onProgress)
  onProgress(100)
  return unwrap(await api.POST('/files/{file_id}/complete', { params: { path: { file_id: ticket.file.file_id } } }))
}
