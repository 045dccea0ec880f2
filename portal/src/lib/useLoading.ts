// A screen's loading flag and the API's refusal to show, around each load.
import { ref } from 'vue'
import type { ApiError } from './errors'

export function useLoading() {
  const loading = ref(false)
  const failure = ref('')

  async function run(work: () => Promise<void>): Promise<void> {
    loading.value = true
    failure.value = ''
    try {
      await work()
    } catch (e) {
      failure.value = (e as ApiError).message
    } finally {
      loading.value = false
    }
  }

  return { loading, failure, run }
}
