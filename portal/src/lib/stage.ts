// The API's stage (GET /health): the dev panel is offered on the local stage only.
import { ref } from 'vue'
import { api } from '../api/client'

let pending: Promise<string> | null = null

export function useStage() {
  const stage = ref('')
  // A degraded stack answers 503 with the same report (its stage included): the stage still counts.
  pending ??= api.GET('/health').then((r) => r.data?.stage ?? (r.error as { stage?: string } | undefined)?.stage ?? '', () => '')
  pending.then((s) => (stage.value = s))
  return stage
}
