// Global setup: the tests that start bin/p2pmessage, the seal-pool workers and the archive child run
// the compiled dist/, so dist/ must be the current source before any test starts. Done here, once,
// before the workers start (a rebuild while test files run the binary would pull files from under
// them), by the same code that builds for `npm run sim/bench/soak/flood` (scripts/fresh-build.mjs). The
// WASM module is left alone: `npm test` checks it first (check:wasm).
import { ensureFreshDist } from '../../scripts/fresh-build.mjs'

export { ensureFreshDist, staleSources, TSC_ARGS } from '../../scripts/fresh-build.mjs'

export default function setup(): void {
  ensureFreshDist()
}
