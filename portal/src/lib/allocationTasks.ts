// The allocation task a screen works on (分量项目): the tasks the caller takes part in, newest first,
// and the one chosen in the URL (?task=), the first by default. Every allocation screen starts here.
import { computed, ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { api, unwrap, type Schemas } from '../api/client'

export function useAllocationTasks() {
  const route = useRoute()
  const router = useRouter()
  const tasks = ref<Schemas['TaskView'][]>([])
  const loaded = ref(false)
  const taskId = computed(() => (typeof route.query.task === 'string' ? route.query.task : tasks.value[0]?.task_id ?? ''))
  const task = computed(() => tasks.value.find((t) => t.task_id === taskId.value) ?? null)

  async function loadTasks() {
    const out: Schemas['TaskView'][] = []
    let cursor: string | undefined
    do {
      const page = unwrap(await api.GET('/allocation-tasks', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))
      out.push(...page.items)
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    tasks.value = out
    loaded.value = true
  }

  /** Keep the filters in the URL: ``next`` merged into the query, empty values dropped. */
  function setQuery(next: Record<string, string | undefined>, keep = true) {
    const query: Record<string, unknown> = { ...(keep ? route.query : {}), task: taskId.value, ...next }
    return router.push({ query: Object.fromEntries(Object.entries(query).filter(([, v]) => v)) as Record<string, string> })
  }

  return { tasks, task, taskId, loaded, loadTasks, setQuery }
}
