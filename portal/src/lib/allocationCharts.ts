// The progress dashboards' charts (ECharts). ECharts is loaded only when a dashboard mounts
// (dynamic import of its modular core: bar and pie charts, canvas renderer), so neither the login
// page nor any other screen carries it. The options are pure data (tests/allocation.test.ts).
import { BUCKETS, buckets } from './allocation'

export interface UnitCounts {
  unit: string
  unit_name?: string | null
  counts: Record<string, number>
}

/** One stacked bar per unit (city or province): institutions 未填报 / 已提交 / 已审核 / 已退回. */
export function stackedBarOption(units: UnitCounts[]) {
  const names = units.map((u) => u.unit_name ?? u.unit)
  const perUnit = units.map((u) => buckets(u.counts))
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, data: BUCKETS.map((b) => b.label) },
    grid: { left: 48, right: 24, top: 40, bottom: 32 },
    xAxis: { type: 'category', data: names },
    yAxis: { type: 'value', name: '医疗机构数', minInterval: 1 },
    series: BUCKETS.map((b) => ({
      name: b.label, type: 'bar', stack: 'institutions', itemStyle: { color: b.color }, barMaxWidth: 56,
      label: { show: true, formatter: (p: { value: number }) => (p.value ? String(p.value) : '') },
      data: perUnit.map((c) => c[b.key]),
    })),
  }
}

/** The totals as a ring: how far the whole level is. */
export function totalsPieOption(totals: Record<string, number>) {
  const t = buckets(totals)
  return {
    animation: false,
    tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' },
    legend: { bottom: 0 },
    series: [{
      type: 'pie', radius: ['40%', '62%'], center: ['50%', '45%'], label: { formatter: '{b} {c}' },
      // empty buckets stay in the legend but draw no slice (no zero-length labels on the ring)
      data: BUCKETS.map((b) => ({ name: b.label, value: t[b.key] || null, itemStyle: { color: b.color } })),
    }],
  }
}

/** ECharts with what the dashboards use, loaded on demand (its own chunk). */
export function loadECharts() {
  return import('./allocationEcharts')
}
