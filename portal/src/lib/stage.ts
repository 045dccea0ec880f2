// The API's stage (GET /health): the dev panel is offered on the local stage only.
import { ref } from 'vue'
import { api } from '../api/client'

let pending: Promise<string> | null = null

export function useStage() {
  const stage = ref('')
  pending ??= api.GET('/health').then((r) => r.data?.stage ?? '', () => '')
  pending.then((s) => (stage.value = s))
  return stage
}
