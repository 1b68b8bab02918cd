// Start-up of a command that runs a node (loading ~190 modules, building crypto tables, the node itself)
// allocates ~15 MB that all survives, and V8 sizes its young generation by survival: it grew the two
// semi-spaces to their 16 MB maximum during start-up and kept them, idle, for the life of the process
// (14 MB of the 84 MB an idle relay held, docs/memory.md). V8 reads its maximum only when the heap is
// made (--max-semi-space-size cannot be set from inside), but reads --semi-space-growth-factor each time
// it grows the space: held at 1 while the command starts, the young generation keeps its initial size;
// released to V8's default (2) once the node runs, so traffic sizes it as before (the relay's throughput
// under load is V8's usual). The same flag trick as jest's leak detector, which sets --expose-gc so.
import { setFlagsFromString } from 'node:v8'

/** V8's own default of --semi-space-growth-factor (flag-definitions.h). */
const V8_DEFAULT_GROWTH_FACTOR = 2

let held = false

/** Keep the young generation at its initial size until releaseYoungGeneration(). */
export function holdYoungGeneration(): void {
  if (held) return
  held = true
  setFlagsFromString('--semi-space-growth-factor=1')
}

/** Let V8 grow the young generation again (idempotent; a no-op when nothing was held). */
export function releaseYoungGeneration(): void {
  if (!held) return
  held = false
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`)
}

export function youngGenerationHeld(): boolean {
  return held
}
