// The simulation's clock: a discrete-event scheduler in simulated milliseconds. While installed it
// stands in for the process's timers (setTimeout, setInterval, setImmediate and their clear*) and
// for Date.now and performance.now, so the unchanged node code (forwarding cycle, expiry, limits)
// and the in-memory links all run on simulated time. A packet sent at simulated time t arrives at
// t + its link delay however long one core takes to run ten thousand nodes: the propagation figures
// do not move with the machine's load. Processing takes no simulated time (CPU is reported apart).
//
// Tasks due at the same simulated time run in the order they were scheduled (a setImmediate made by
// a task runs after the tasks already due then). Between time steps the driver yields to the real
// event loop, so promise continuations made at time t run before anything due later.

interface Task {
  at: number
  delay: number
  seq: number
  fn: () => void
  /** > 0: an interval, rescheduled this many ms after each run */
  every: number
  live: boolean
}

/** What the virtual setTimeout/setInterval/setImmediate return (Node's Timeout surface, minus refs). */
export class VirtualTimer {
  constructor(private readonly clock: VirtualClock, public task: Task) {}
  ref(): this {
    return this
  }
  unref(): this {
    return this
  }
  hasRef(): boolean {
    return true
  }
  refresh(): this {
    this.clock.cancel(this.task)
    this.task = this.clock.schedule(this.task.delay, this.task.fn, this.task.every)
    return this
  }
  close(): this {
    this.clock.cancel(this.task)
    return this
  }
  [Symbol.toPrimitive](): number {
    return this.task.seq
  }
}

type Globals = Pick<typeof globalThis, 'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval' | 'setImmediate' | 'clearImmediate'>

export class VirtualClock {
  private t = 0
  private seq = 0
  private live = 0
  /** binary min-heap on (at, seq) */
  private readonly heap: Task[] = []
  private uninstall: (() => void) | null = null
  /** Date.now() at simulated time 0 */
  readonly epochMs: number
  /** tasks run so far */
  ran = 0

  constructor(epochMs = Date.now()) {
    this.epochMs = epochMs
  }

  /** simulated ms since the clock was made */
  get now(): number {
    return this.t
  }

  /** scheduled tasks not yet run or cancelled */
  get pending(): number {
    return this.live
  }

  schedule(delayMs: number, fn: () => void, every = 0): Task {
    const d = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0
    const task: Task = { at: this.t + d, delay: d, seq: this.seq++, fn, every, live: true }
    this.push(task)
    this.live++
    return task
  }

  cancel(task: Task): void {
    if (!task.live) return
    task.live = false // left in the heap, skipped when it comes up
    this.live--
  }

  /**
   * Runs every task due at the earliest scheduled time (and those they schedule for that same time),
   * moving the clock there; false when nothing is scheduled, or the earliest task is after `limit`.
   */
  step(limit = Infinity): boolean {
    this.dropDead()
    const first = this.heap[0]
    if (first === undefined || first.at > limit) return false
    this.t = first.at
    while (this.heap.length > 0 && this.heap[0].at === this.t) {
      const task = this.pop()
      if (!task.live) continue
      if (task.every > 0) {
        task.at = this.t + task.every
        task.seq = this.seq++
        this.push(task)
      } else {
        task.live = false
        this.live--
      }
      this.ran++
      task.fn()
    }
    return true
  }

  /**
   * Runs tasks in time order until `done()` holds (checked after each time step), nothing is left,
   * or the clock would pass `untilMs`; then the clock stands at `untilMs` if that was reached.
   * `everyStep` runs after each step (samplers). Yields to the real event loop between steps.
   */
  async run(o: { done?: () => boolean; untilMs?: number; everyStep?: () => void } = {}): Promise<void> {
    const until = o.untilMs ?? Infinity
    const yieldReal = realImmediate
    for (;;) {
      if (o.done?.()) return
      if (!this.step(until)) break
      o.everyStep?.()
      await yieldReal()
    }
    if (Number.isFinite(until) && this.t < until) this.t = until
  }

  /** Runs the clock for `ms` simulated milliseconds. */
  runFor(ms: number, everyStep?: () => void): Promise<void> {
    return this.run({ untilMs: this.t + ms, everyStep })
  }

  /** Runs the clock until `p` settles (or nothing is left to run); returns p's value. */
  async drive<T>(p: Promise<T>): Promise<T> {
    let settled = false
    const watched = p.finally(() => (settled = true))
    watched.catch(() => {})
    await this.run({ done: () => settled })
    return watched
  }

  /** Makes this clock the process's timers, Date.now and performance.now; returns the undo. */
  install(): () => void {
    if (this.uninstall) return this.uninstall
    const g = globalThis as unknown as Record<keyof Globals, unknown>
    const saved: Record<string, unknown> = {}
    for (const k of ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] as const) saved[k] = g[k]
    const realDateNow = Date.now
    const perf = globalThis.performance
    const hadOwnNow = Object.prototype.hasOwnProperty.call(perf, 'now')
    const ownNow = hadOwnNow ? perf.now : undefined
    const timer = (ms: unknown, fn: unknown, args: unknown[], kind: 'timeout' | 'interval' | 'immediate'): VirtualTimer => {
      if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function')
      const call = args.length > 0 ? () => (fn as (...a: unknown[]) => void)(...args) : (fn as () => void)
      const d = Number(ms)
      // as in Node, a timer's delay below 1 ms (or not a number) is 1 ms; an immediate runs at this time
      const delay = kind === 'immediate' ? 0 : Number.isFinite(d) && d >= 1 ? d : 1
      return new VirtualTimer(this, this.schedule(delay, call, kind === 'interval' ? delay : 0))
    }
    const clear = (orig: unknown) => (h: unknown) => {
      if (h instanceof VirtualTimer) h.close()
      else if (h !== undefined && h !== null) (orig as (h: unknown) => void)(h)
    }
    g.setTimeout = (fn: unknown, ms?: unknown, ...args: unknown[]) => timer(ms, fn, args, 'timeout')
    g.setInterval = (fn: unknown, ms?: unknown, ...args: unknown[]) => timer(ms, fn, args, 'interval')
    g.setImmediate = (fn: unknown, ...args: unknown[]) => timer(0, fn, args, 'immediate')
    g.clearTimeout = clear(saved.clearTimeout)
    g.clearInterval = clear(saved.clearInterval)
    g.clearImmediate = clear(saved.clearImmediate)
    Date.now = () => Math.floor(this.epochMs + this.t)
    perf.now = () => this.t
    this.uninstall = () => {
      for (const [k, v] of Object.entries(saved)) (g as Record<string, unknown>)[k] = v
      Date.now = realDateNow
      if (hadOwnNow) perf.now = ownNow!
      else delete (perf as { now?: unknown }).now
      this.uninstall = null
    }
    return this.uninstall
  }

  private dropDead(): void {
    while (this.heap.length > 0 && !this.heap[0].live) this.pop()
  }

  private less(a: Task, b: Task): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private push(task: Task): void {
    const h = this.heap
    let i = h.length
    h.push(task)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(task, h[p])) break
      h[i] = h[p]
      i = p
    }
    h[i] = task
  }

  private pop(): Task {
    const h = this.heap
    const top = h[0]
    const last = h.pop()!
    if (h.length > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= h.length) break
        const r = l + 1
        const c = r < h.length && this.less(h[r], h[l]) ? r : l
        if (!this.less(h[c], last)) break
        h[i] = h[c]
        i = c
      }
      h[i] = last
    }
    return top
  }
}

// taken when this module loads, before any clock is installed
const realSetImmediate = setImmediate
const realImmediate = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve))

/** The real wall clock (ms), unaffected by an installed VirtualClock. */
export const wallNow: () => number = performance.now.bind(performance)
