// Deadlines that grow with the machine's load. A deadline in a test says "this is a hang, not a slow
// machine"; on the shared 2-core box a run at load 40 gets a twentieth of a core per process, and fixed
// deadlines tuned at load 2 then fail tests that were only waiting their turn. The factor is the load
// average per core when the worker (or the config) loads, at least 1 and at most 8.
import { availableParallelism, loadavg } from 'node:os'

const MAX_FACTOR = 8

export function loadFactor(): number {
  const perCore = loadavg()[0] / availableParallelism()
  return Math.min(MAX_FACTOR, Math.max(1, perCore))
}

const FACTOR = loadFactor()

/** `ms` at load 1 per core, scaled by the load when this module was loaded. */
export function budget(ms: number): number {
  return Math.round(ms * FACTOR)
}
