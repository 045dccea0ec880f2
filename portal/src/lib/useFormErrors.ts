// A form's refusal: the API's message for the form and each field error at its field.
import { reactive, ref } from 'vue'
import type { ApiError } from './errors'

export function useFormErrors() {
  const fields = reactive<Record<string, string>>({})
  const failure = ref('')

  function clear() {
    failure.value = ''
    for (const k of Object.keys(fields)) delete fields[k]
  }

  function show(e: unknown) {
    const err = e as ApiError
    failure.value = err.message
    Object.assign(fields, err.fields ?? {})
  }

  /** Run one submission: errors cleared first, shown on failure; ``after(failed)`` runs last. */
  async function attempt(work: () => Promise<void>, after?: (failed: boolean) => void): Promise<boolean> {
    clear()
    let failed = false
    try {
      await work()
    } catch (e) {
      failed = true
      show(e)
    } finally {
      after?.(failed)
    }
    return !failed
  }

  return { fields, failure, clear, show, attempt }
}
