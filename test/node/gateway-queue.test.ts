// The gateway's fair share of pending crossings (gateway-queue.ts) and its choice of PoW
// (gateway-pow.ts), as pure functions.
import { describe, expect, it } from 'vitest'
import { FairPending, type Pending, type Sender } from '../../src/node/gateway-queue.js'
import { crossingPow } from '../../src/node/gateway-pow.js'

const drainAll = (q: FairPending<string>): string[] => {
  const out: string[] = []
  for (let s = q.next(); s !== null; s = q.next()) {
    out.push(s.job)
    q.done(s)
  }
  return out
}

describe('FairPending', () => {
  it('a newcomer takes a slot of the biggest holder, never of a sender holding as few', () => {
    const q = new FairPending<string>(4)
    const spam: Sender = { peer: 'p1', signer: '' }
    const cancelled: string[] = []
    for (let i = 0; i < 4; i++) expect(q.add(spam, `spam ${i}`, () => cancelled.push(`spam ${i}`))).not.toBeNull()
    expect(q.add(spam, 'spam 4', null)).toBeNull() // its own sender holds the most already
    const got = q.add({ peer: 'p2', signer: 'alice' }, 'legit 0', null)
    expect(got?.evicted?.job).toBe('spam 3') // the newest waiting one
    expect(cancelled).toEqual(['spam 3'])
    expect(q.add({ peer: 'p2', signer: 'alice' }, 'legit 1', null)?.evicted?.job).toBe('spam 2')
    // 2 and 2: nobody holds more than the newcomer's peer would
    expect(q.add({ peer: 'p2', signer: 'alice' }, 'legit 2', null)).toBeNull()
    expect(q.size).toBe(4)
  })

  it('400 crossings of one peer (unsigned or under 400 keys) and 5 of another: the 5 get slots and seal first in turn', () => {
    for (const fresh of [false, true]) {
      const q = new FairPending<string>(256)
      const slots: Pending<string>[] = []
      let shed = 0
      for (let i = 0; i < 400; i++) {
        const got = q.add({ peer: 'spammer', signer: fresh ? `key${i}` : '' }, `spam ${i}`, null)
        if (got) slots.push(got.slot)
        // under fresh keys a newcomer of the spammer takes the slot of another of its keys
        if (!got || got.evicted) shed++
        if (got?.evicted) slots.splice(slots.indexOf(got.evicted), 1)
      }
      expect(shed).toBe(144)
      for (let i = 0; i < 5; i++) {
        const got = q.add({ peer: 'member', signer: 'alice' }, `legit ${i}`, null)
        expect(got?.evicted).not.toBeNull()
        slots.splice(slots.indexOf(got!.evicted!), 1)
        slots.push(got!.slot)
      }
      for (const s of slots) q.ready(s)
      const order = drainAll(q)
      expect(order).toHaveLength(256)
      // the peers take turns: every other crossing sealed is a legitimate one until they are done
      expect(order.slice(0, 10).filter((j) => j.startsWith('legit'))).toHaveLength(5)
      expect(q.size).toBe(0)
    }
  })

  it('inside one relay peer, one signer spamming does not shed another signer', () => {
    const q = new FairPending<string>(8)
    for (let i = 0; i < 8; i++) q.add({ peer: 'relay', signer: 'mallory' }, `m${i}`, null)
    expect(q.add({ peer: 'relay', signer: 'mallory' }, 'm8', null)).toBeNull()
    expect(q.add({ peer: 'relay', signer: 'bob' }, 'b0', null)?.evicted?.job).toBe('m7')
    expect(q.heldBy({ peer: 'relay', signer: 'bob' })).toBe(1)
  })

  it('clear() cancels what waits', () => {
    const q = new FairPending<string>(3)
    let n = 0
    q.add({ peer: 'a', signer: '' }, 'x', () => n++)
    q.add({ peer: 'b', signer: '' }, 'y', () => n++)
    q.clear()
    expect(n).toBe(2)
    expect(q.size).toBe(0)
    expect(q.next()).toBeNull()
  })
})

describe('crossingPow', () => {
  const peer = (id: string, minPow: number, shh: 5 | 6 = 6) => ({ id, shh, minPow })

  it('follows what most peers ask, not the highest ask; skips peers above the cap or far above the rest', () => {
    expect(crossingPow(6, 0.2, 50, [peer('a', 0.2), peer('b', 0.2), peer('evil', 60)])).toEqual({ pow: 0.2, skipped: [{ id: 'evil', minPow: 60, why: 'cap' }] })
    expect(crossingPow(6, 0.2, 50, [peer('a', 0.2), peer('evil', 30)])).toEqual({ pow: 0.2, skipped: [{ id: 'evil', minPow: 30, why: 'outlier' }] })
    // a peer asking a little more than the rest is served
    expect(crossingPow(6, 0.2, 50, [peer('a', 0.2), peer('b', 0.5)])).toEqual({ pow: 0.5, skipped: [] })
    // the own minimum is the floor; v5 peers announce nothing, geth's default 0.2 is theirs
    expect(crossingPow(6, 1, 50, [peer('a', 0.2)]).pow).toBe(1)
    expect(crossingPow(5, 0.001, 50, [peer('a', 0, 5), peer('b', 60)]).pow).toBe(0.2)
    // most peers asking more than the cap: the crossing is sealed for the ones asking the least
    expect(crossingPow(6, 0.2, 50, [peer('a', 0.2), peer('x', 80), peer('y', 90)])).toMatchObject({ pow: 0.2 })
  })
})
