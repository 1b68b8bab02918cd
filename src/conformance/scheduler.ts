// Running checks against a node whose peer slots may be few. Checks run side by side (each on its
// own connections, closed before its lane takes the next check) until the node first refuses one of
// our connections with TOO_MANY_PEERS; from then on one at a time, the fewest connections the suite
// can hold. A refused check is not judged: it waits for a slot and starts over, and once the node
// has refused it for the whole slot wait while it ran alone, it is skipped as having no free slot.
import type { ShhVersion } from '../whisper/envelope.js'
import type { SuiteContext } from './context.js'
import { NO_FREE_SLOT, NoPeerSlot, slotBackoffMs } from './peer-slots.js'
import { SkipCheck, type Check, type CheckResult, type Outcome } from './types.js'

const NO_SLOT = Symbol('no slot')
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
/** lets the close handlers of connections that just ended run before a verdict is read */
const settle = () => new Promise<void>((r) => setImmediate(r))

export function noSlotDetail(waitMs: number): string {
  return `${NO_FREE_SLOT} (the node answered TOO_MANY_PEERS for ${waitMs / 1000} s)`
}

/** How many checks may hold connections at once: `width` until the first refusal, then one. */
export class Lanes {
  private running = 0
  private readonly queue: (() => void)[] = []

  constructor(
    private capacity: number,
    /** how long a check refused while running alone waits for a slot */
    readonly slotWaitMs: number,
  ) {}

  /** at capacity 1 a check holds the node alone: a refusal then is the node's limit, not our own crowd */
  get alone(): boolean {
    return this.capacity === 1
  }

  refused(): void {
    this.capacity = 1
  }

  async acquire(): Promise<void> {
    if (this.running < this.capacity) {
      this.running++
      return
    }
    await new Promise<void>((r) => this.queue.push(r))
  }

  release(): void {
    this.running--
    while (this.queue.length > 0 && this.running < this.capacity) {
      this.running++
      this.queue.shift()!()
    }
  }
}

/** One run of a check on its own scope; NO_SLOT when the node refused one of its connections for want of a slot. */
async function attempt(c: Check, ctx: SuiteContext, remainingMs: number, limitMs: number): Promise<Outcome | typeof NO_SLOT> {
  const scope = ctx.scoped()
  let timer: NodeJS.Timeout | undefined
  try {
    const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the check did not finish within ${limitMs / 1000} s`)), remainingMs)))
    const out = await Promise.race([c.run(scope), guard, scope.refused])
    await settle()
    return scope.refusedSlot ? NO_SLOT : out
  } catch (err) {
    await settle()
    if (err instanceof NoPeerSlot || scope.refusedSlot) return NO_SLOT
    if (err instanceof SkipCheck) return { status: 'skip', detail: err.message }
    return { status: 'fail', detail: (err as Error)?.message ?? String(err) }
  } finally {
    clearTimeout(timer)
    await scope.cleanup()
  }
}

/** Runs one check to a result within `limitMs`, waiting for a lane for each attempt. */
export async function runCheck(c: Check, ctx: SuiteContext, shh: ShhVersion | null, limitMs: number, lanes: Lanes): Promise<CheckResult> {
  const t0 = Date.now()
  const base = { id: c.id, group: c.group, shh, rule: c.rule, source: c.source }
  let firstAloneRefusal = 0
  for (let n = 1; ; n++) {
    await lanes.acquire()
    const alone = lanes.alone
    let out: Outcome | typeof NO_SLOT
    try {
      out = await attempt(c, ctx, t0 + limitMs - Date.now(), limitMs)
    } finally {
      lanes.release()
    }
    if (out !== NO_SLOT) return { ...base, status: out.status, detail: out.detail, ms: Date.now() - t0 }
    lanes.refused()
    const now = Date.now()
    if (alone) firstAloneRefusal ||= now
    // the last pause is cut to the wait left, so that the final attempt comes at its end
    const left = Math.min(firstAloneRefusal ? firstAloneRefusal + lanes.slotWaitMs - now : Infinity, t0 + limitMs - now - 1000)
    if (left <= 0) return { ...base, status: 'skip', detail: noSlotDetail(lanes.slotWaitMs), ms: now - t0 }
    await sleep(Math.min(slotBackoffMs(n), left))
  }
}

/** Calls `fn` (the suite's own connections, outside any check) until the node stops refusing a slot; null when none freed up. */
export async function withSlot<T>(fn: () => Promise<T>, lanes: Lanes): Promise<T | null> {
  const t0 = Date.now()
  for (let n = 1; ; n++) {
    try {
      return await fn()
    } catch (err) {
      if (!(err instanceof NoPeerSlot)) throw err
    }
    lanes.refused()
    const left = t0 + lanes.slotWaitMs - Date.now()
    if (left <= 0) return null
    await sleep(Math.min(slotBackoffMs(n), left))
  }
}
