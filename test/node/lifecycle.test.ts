// The public API's edges: lifecycle states, typed errors, waitForPeer, direct (p2p) messages from
// trusted peers, removePeer, and a stop that leaves no socket or timer behind.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Net, TOPIC, inbox, link, newKey, post, text, until } from './net-helpers.js'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { NodeError } from '../../src/node/errors.js'

const net = new Net()
afterEach(() => net.close())

async function rejectsWith(p: Promise<unknown>, code: string): Promise<NodeError> {
  const err = await p.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(NodeError)
  expect((err as NodeError).code).toBe(code)
  return err as NodeError
}

describe('WhisperNode API', () => {
  it('rejects bad options and calls out of state with NodeError codes', async () => {
    expect(() => new WhisperNode({ shhVersions: [7 as 5] })).toThrow(NodeError)
    expect(() => new WhisperNode({ minPow: -1 })).toThrow(/PoW/)
    expect(() => new WhisperNode({ maxMessageSize: 11 * 1024 * 1024 })).toThrow(/maxMessageSize/)
    expect(() => new WhisperNode({ privateKey: new Uint8Array(5) })).toThrow(NodeError)
    const n = new WhisperNode({ verbosity: 0, logger: () => {} })
    await rejectsWith(post(n, newKey(), 'too early'), 'state')
    await n.stop() // never started: fine
    await rejectsWith(n.start(), 'state')
  })

  it('post: bad parameters, PoW not reached in time, PoW under the node minimum', async () => {
    const a = await net.node({ minPow: 0.001, name: 'a' })
    await rejectsWith(a.post({ topic: new Uint8Array(3), payload: new Uint8Array(1), symKey: newKey(), ttl: 50, pow: 0.01, workTime: 1 }), 'params')
    await rejectsWith(a.post({ topic: TOPIC, payload: new Uint8Array(1), ttl: 50, pow: 0.01, workTime: 1 }), 'params')
    await rejectsWith(a.post({ topic: TOPIC, payload: new Uint8Array(1), symKey: newKey(), ttl: 50, pow: 0.5, workTime: 0 }), 'pow')
    const b = await net.node({ minPow: 1e9, shhVersions: [5], name: 'b' })
    await rejectsWith(post(b, newKey(), 'weak', { pow: 0.01 }), 'rejected')
    await rejectsWith(post(b, newKey(), 'v6 on a v5 node', { shh: 6 }), 'params')
    expect(b.stats().poolSize).toBe(0)
  })

  it('waitForPeer resolves on connect, times out, and rejects when the node stops', async () => {
    const a = await net.node({ name: 'a' })
    await rejectsWith(a.waitForPeer(50), 'timeout')
    const waiting = a.waitForPeer()
    const b = await net.node({ noListen: true, staticPeers: [a.enode], name: 'b' })
    await waiting
    await b.waitForPeer(10_000)
    const c = await net.node({ name: 'c' })
    const pending = c.waitForPeer()
    await c.stop()
    await rejectsWith(pending, 'state')
  })

  it('direct messages: delivered from trusted peers to filters that allow them, ignored otherwise, never pooled', async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const b = await net.node({ shhVersions: [6], name: 'b' })
    const p2pInbox: string[] = []
    b.subscribe({ topics: [TOPIC], symKey: key, allowP2P: true }, (m) => p2pInbox.push(`${text(m)}:${m.p2p}`))
    const plain = inbox(b, key)
    await link(a, b)
    await a.post({ topic: TOPIC, payload: new TextEncoder().encode('untrusted'), symKey: key, ttl: 50, pow: 0.01, workTime: 1, targetPeer: b.id })
    // a pooled message after it: once it arrived, the direct one was handled (one connection, in order)
    await post(a, key, 'sentinel')
    await until(() => plain.length === 1, 'sentinel')
    expect(p2pInbox).toEqual(['sentinel:false'])
    b.markTrusted(a.id)
    expect(b.peers()[0].trusted).toBe(true)
    const r = await a.post({ topic: TOPIC, payload: new TextEncoder().encode('direct'), symKey: key, ttl: 50, pow: 0.01, workTime: 1, targetPeer: b.enode })
    expect(r.envelopes).toHaveLength(1)
    await until(() => p2pInbox.length === 2, 'direct message')
    expect(p2pInbox).toEqual(['sentinel:false', 'direct:true'])
    expect(plain.map(text)).toEqual(['sentinel'])
    expect([a.stats().poolSize, b.stats().poolSize]).toEqual([1, 1]) // the sentinel only
    await rejectsWith(a.post({ topic: TOPIC, payload: new Uint8Array(1), symKey: key, ttl: 50, pow: 0.01, workTime: 1, targetPeer: '00'.repeat(64) }), 'peer')
  })

  it('wrap + send (geth Wrap/Send), sendDirect, setMaxMessageSize', async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const b = await net.node({ shhVersions: [6], trustedPeers: [], name: 'b' })
    const inA = inbox(a, key)
    const inB = inbox(b, key)
    await link(a, b)
    const env = await a.wrap({ shh: 6, topic: TOPIC, payload: new TextEncoder().encode('wrapped'), symKey: key, ttl: 50, pow: 0.01, workTime: 1 })
    expect(a.stats().poolSize).toBe(0)
    const hash = a.send(env)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    await until(() => inB.length === 1, 'wrapped message')
    expect(inA.map((m) => [text(m), m.mine])).toEqual([['wrapped', true]])
    expect(() => a.send(env)).not.toThrow() // already pooled: geth's add says ok
    expect(() => a.sendDirect('00'.repeat(64), env)).toThrow(NodeError)
    expect(a.sendDirect(b.id, env)).toBe(hash)
    a.setMaxMessageSize(100)
    const big = await a.wrap({ shh: 6, topic: TOPIC, payload: new Uint8Array(200), symKey: key, ttl: 50, pow: 0.01, workTime: 1 })
    expect(() => a.send(big)).toThrow(/huge/)
    expect(() => a.setMaxMessageSize(11 * 1024 * 1024)).toThrow(NodeError)
    expect(a.info()).toMatchObject({ maxMessageSize: 100, lightNode: false, relay: false, shhVersions: [6] })
  })

  it('setLightNode announces the bloom of the subscriptions, and everything again when off', async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const b = await net.node({ shhVersions: [6], name: 'b' })
    inbox(b, key)
    await link(a, b)
    expect(a.peers()[0].bloom).toBeNull()
    b.setLightNode(true)
    await until(() => a.peers()[0].bloom !== null, 'bloom announced')
    b.setLightNode(false)
    await until(() => a.peers()[0].bloom === null, 'full bloom announced')
    expect(b.lightNode).toBe(false)
  })

  it("a throwing event listener is logged, the node's work goes on", async () => {
    const key = newKey()
    const a = await net.node({ name: 'a' })
    const lines: string[] = []
    const b = await net.node({ name: 'b', verbosity: 1, logger: (_l, m) => lines.push(m) })
    b.on('envelope', () => { throw new Error('listener bug') })
    b.on('peer:added', () => { throw new Error('listener bug') })
    const inB = inbox(b, key)
    await link(a, b)
    await post(a, key, 'still delivered')
    await until(() => inB.length === 1, 'delivery')
    expect(lines.some((l) => l.includes("'envelope' listener threw"))).toBe(true)
  })

  it('keeps its identity in a node key file (geth format) across runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pmessage-node-'))
    try {
      const file = join(dir, 'nodekey')
      const first = await net.node({ nodeKeyFile: file, name: 'first' })
      await first.stop()
      expect(readFileSync(file, 'latin1')).toMatch(/^[0-9a-f]{64}$/)
      const again = await net.node({ nodeKeyFile: file, name: 'again' })
      expect(again.id).toBe(first.id)
      expect(again.enode).toMatch(new RegExp(`^enode://${first.id}@127\\.0\\.0\\.1:\\d+$`))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('removePeer disconnects a static peer; peers() describes connections', async () => {
    const a = await net.node({ name: 'a' })
    const b = await net.node({ noListen: true, name: 'b' })
    await link(a, b)
    const [pa] = b.peers()
    expect(pa).toMatchObject({ id: a.id, enode: a.enode, inbound: false, shh: 6, trusted: false })
    expect(a.peers()[0]).toMatchObject({ id: b.id, inbound: true })
    expect(a.peers()[0].enode).toBeUndefined()
    expect(b.removePeer(a.enode)).toBe(true)
    await until(() => b.peers().length === 0 && a.peers().length === 0, 'disconnect')
    expect(() => b.removePeer('nonsense')).toThrow(NodeError)
    expect(() => b.addPeer('enode://nonsense')).toThrow(NodeError)
  })

  it('stop closes every socket and timer it opened', async () => {
    const count = () => {
      const r = process.getActiveResourcesInfo()
      return { tcp: r.filter((x) => x.startsWith('TCP')).length, timers: r.filter((x) => x === 'Timeout').length }
    }
    await new Promise((r) => setTimeout(r, 20))
    const before = count()
    const key = newKey()
    const a = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, minPow: 0.001, verbosity: 0, logger: () => {} })
    const b = new WhisperNode({ staticPeers: [], minPow: 0.001, verbosity: 0, logger: () => {} })
    await a.start()
    await b.start()
    const inB = inbox(b, key)
    await link(a, b)
    await post(a, key, 'bye')
    await until(() => inB.length === 1, 'message')
    a.setMinPow(0.002) // arms a tolerance timer
    await b.stop()
    await a.stop()
    // the listening socket's handle goes once its close completes, a moment after stop() resolved
    await until(() => count().tcp <= before.tcp && count().timers <= before.timers, 'handles released', 2000)
  })
})
