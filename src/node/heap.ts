// A binary min-heap. The pool keeps two (by expiry, by PoW) with lazy deletion: removed items stay in
// the heap until they surface, and the owner compacts when dead items outnumber live ones.

export class MinHeap<T> {
  private items: T[] = []

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const a = this.items
    a.push(item)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(a[i], a[p])) break
      ;[a[i], a[p]] = [a[p], a[i]]
      i = p
    }
  }

  pop(): T | undefined {
    const a = this.items
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop()!
    if (a.length > 0) {
      a[0] = last
      this.down(0)
    }
    return top
  }

  /** Keeps only the items `keep` accepts, in O(n). */
  filter(keep: (item: T) => boolean): void {
    this.items = this.items.filter(keep)
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i)
  }

  clear(): void {
    this.items = []
  }

  private down(i: number): void {
    const a = this.items
    const n = a.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.less(a[l], a[m])) m = l
      if (r < n && this.less(a[r], a[m])) m = r
      if (m === i) return
      ;[a[i], a[m]] = [a[m], a[i]]
      i = m
    }
  }
}
