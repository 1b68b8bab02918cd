// The batches of one forwarder flush, so that peers taking the same list of envelopes (the usual
// case: every receiver of a relay wants what just arrived) share one EnvelopeBatch, whose packets are
// then encoded and snappy-compressed once for all of them. Lists are matched by their entries
// (same objects, same order): a peer whose list differs in anything gets its own batch.
import { EnvelopeBatch } from '../p2p/envelope-batch.js'
import type { PoolEntry } from './pool.js'

export class SharedBatches {
  private readonly byFirst = new Map<PoolEntry, { entries: PoolEntry[]; batch: EnvelopeBatch }[]>()

  batchFor(entries: PoolEntry[]): EnvelopeBatch {
    const first = entries[0]
    let same = this.byFirst.get(first)
    if (same === undefined) {
      same = []
      this.byFirst.set(first, same)
    }
    for (const c of same) if (sameEntries(c.entries, entries)) return c.batch
    const batch = new EnvelopeBatch(entries.map((e) => e.env))
    same.push({ entries, batch })
    return batch
  }
}

function sameEntries(a: PoolEntry[], b: PoolEntry[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
