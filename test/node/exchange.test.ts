// Two chat nodes exchange messages directly and through a relay, on shh/5 and shh/6.
import { afterEach, describe, expect, it } from 'vitest'
import { Net, inbox, link, newKey, post, text, until } from './net-helpers.js'
import { NodeError } from '../../src/node/errors.js'

const net = new Net()
afterEach(() => net.close())

for (const shh of [5, 6] as const) {
  describe(`shh/${shh}`, () => {
    it('two nodes exchange messages directly; own messages come back marked mine', async () => {
      const key = newKey()
      const a = await net.node({ shhVersions: [shh], name: 'a' })
      const b = await net.node({ shhVersions: [shh], name: 'b' })
      const inA = inbox(a, key)
      const inB = inbox(b, key)
      await link(a, b)
      expect(a.peers()[0].shh).toBe(shh)
      const r = await post(a, key, 'hello from a')
      expect(r.envelopes.map((e) => e.shh)).toEqual([shh])
      await until(() => inB.length === 1, 'b receives')
      expect(text(inB[0])).toBe('hello from a')
      expect(inB[0].mine).toBe(false)
      expect(inA.map((m) => [text(m), m.mine])).toEqual([['hello from a', true]])
      await post(b, key, 'hi a')
      await until(() => inA.length === 2, 'a receives')
      expect(text(inA[1])).toBe('hi a')
      expect(inA[1].mine).toBe(false)
    })

    it('two nodes exchange messages through a relay that opens nothing', async () => {
      const key = newKey()
      const relay = await net.node({ shhVersions: [shh], relay: true, name: 'relay' })
      expect(() => relay.subscribe({ topics: [], symKey: key }, () => {})).toThrow(NodeError)
      const a = await net.node({ shhVersions: [shh], noListen: true, staticPeers: [relay.enode], name: 'a' })
      const b = await net.node({ shhVersions: [shh], noListen: true, staticPeers: [relay.enode], name: 'b' })
      const inA = inbox(a, key)
      const inB = inbox(b, key)
      await Promise.all([a.waitForPeer(10_000), b.waitForPeer(10_000)])
      await until(() => relay.peers().length === 2, 'relay has both')
      await post(a, key, 'via relay')
      await until(() => inB.length === 1, 'b receives via relay')
      expect(text(inB[0])).toBe('via relay')
      await post(b, key, 'back')
      await until(() => inA.length === 2, 'a receives via relay')
      expect(relay.stats().poolSize).toBe(2)
    })

    it('a message posted before the peer connects arrives after it connects', async () => {
      const key = newKey()
      const a = await net.node({ shhVersions: [shh], name: 'a' })
      await post(a, key, 'sent while alone')
      expect(a.stats()).toMatchObject({ peers: 0, poolSize: 1 })
      const b = await net.node({ shhVersions: [shh], noListen: true, name: 'b' })
      const inB = inbox(b, key)
      b.addPeer(a.enode)
      await until(() => inB.length === 1, 'b receives the earlier post')
      expect(text(inB[0])).toBe('sent while alone')
    })
  })
}
