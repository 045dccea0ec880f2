// ECharts' modular core with only what the allocation dashboards draw (bar and pie charts, grid,
// tooltip, legend, canvas). Imported only dynamically (lib/allocationCharts.ts loadECharts), so it
// is a chunk of its own that the dashboards load, and tree-shaken to these parts.
import * as echarts from 'echarts/core'
import { BarChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer])

export const init = echarts.init
