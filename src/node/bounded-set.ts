// A Set that forgets its oldest members past a size bound (a JS Set iterates in insertion order).
// Used for "already known" bookkeeping, where forgetting costs at most a redundant send.

export class BoundedSet<T> {
  private readonly set = new Set<T>()

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError('BoundedSet: max must be >= 1')
  }

  get size(): number {
    return this.set.size
  }

  has(v: T): boolean {
    return this.set.has(v)
  }

  add(v: T): void {
    if (this.set.has(v)) return
    this.set.add(v)
    if (this.set.size > this.max) {
      const oldest = this.set.values().next().value as T
      this.set.delete(oldest)
    }
  }

  delete(v: T): boolean {
    return this.set.delete(v)
  }

  clear(): void {
    this.set.clear()
  }
}
