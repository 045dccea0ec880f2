// Instants shown in Beijing time, as the manuals show them (yyyy-MM-dd HH:mm).
const FORMAT = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hour12: false,
})

export function beijingTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const parts = Object.fromEntries(FORMAT.formatToParts(d).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`
}

/** The countdown to a deadline (申报截止倒计时): "2天 03:04:05", or null once it passed. */
export function countdown(endIso: string, nowMs: number): string | null {
  const left = Math.floor((new Date(endIso).getTime() - nowMs) / 1000)
  if (!(left > 0)) return null
  const days = Math.floor(left / 86400)
  const pad = (n: number) => String(n).padStart(2, '0')
  const hms = `${pad(Math.floor((left % 86400) / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`
  return days ? `${days}天 ${hms}` : hms
}
