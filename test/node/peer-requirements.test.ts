// shh/6: a peer's announced PoW requirement and bloom are honoured when sending (and changes to them
// later), ours are announced and changed on the wire; a light node gets only its topics.
// Mixed versions: one node talks shh/5 and shh/6 to different peers at the same time.
import { afterEach, describe, expect, it } from 'vitest'
import { Net, TOPIC, inbox, link, newKey, post, text, until, waitEvent } from './net-helpers.js'
import { topicBloom } from '../../src/whisper/bloom.js'
import { envelopeHash, type Envelope } from '../../src/whisper/envelope.js'
import { toHex } from '../../src/whisper/bytes.js'

const net = new Net()
afterEach(() => net.close())

const OTHER = new Uint8Array([1, 2, 3, 4])
const hashOf = (env: Envelope) => toHex(envelopeHash(env))

describe('shh/6 peer requirements', () => {
  it("never sends a peer what its bloom rejects, and follows its bloom exchange", async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const { peer } = await net.probe(a, 6, { minPow: 0, bloom: topicBloom(TOPIC), lightNode: true })
    const got: string[] = []
    peer.on('envelopes', (envs: Envelope[]) => got.push(...envs.map(hashOf)))
    const off = await post(a, key, 'other topic', { topic: OTHER })
    const on = await post(a, key, 'our topic')
    await until(() => got.length === 1, 'the matching envelope')
    expect(got).toEqual([on.hash]) // the other one, posted first, would have come first
    peer.sendBloom(topicBloom(OTHER))
    await until(() => got.length === 2, 'the envelope its new bloom admits')
    expect(got[1]).toBe(off.hash)
  })

  it("never sends a peer what its PoW requirement rejects, and follows its requirement changes", async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const { peer } = await net.probe(a, 6, { minPow: 1000, bloom: null, lightNode: false })
    expect(a.peers()[0].minPow).toBe(1000)
    const got: string[] = []
    peer.on('envelopes', (envs: Envelope[]) => got.push(...envs.map(hashOf)))
    const weak = await post(a, key, 'weak')
    const sent: string[] = []
    a.on('sent', (_id: string, hashes: string[]) => sent.push(...hashes))
    peer.sendPowRequirement(0.001)
    await until(() => got.length === 1, 'sent once the requirement dropped')
    expect(got).toEqual([weak.hash])
    expect(sent).toEqual([weak.hash])
  })

  it('announces our PoW requirement and bloom, and their changes, to v6 peers', async () => {
    const a = await net.node({ shhVersions: [6], minPow: 0.5, name: 'a' })
    const { peer } = await net.probe(a, 6)
    expect(peer.minPow).toBe(0.5)
    expect(peer.bloom).toBeNull()
    const pow = waitEvent<[number]>(peer, 'powRequirement')
    a.setMinPow(0.25)
    expect((await pow)[0]).toBe(0.25)
    const bloom = waitEvent<[Uint8Array | null]>(peer, 'bloom')
    a.setBloom(topicBloom(TOPIC))
    expect((await bloom)[0]).toEqual(topicBloom(TOPIC))
    expect(a.info()).toMatchObject({ minPow: 0.25, bloom: toHex(topicBloom(TOPIC)) })
  })

  it('a light node announces the bloom of its subscriptions and receives only those topics', async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const light = await net.node({ shhVersions: [6], lightNode: true, noListen: true, name: 'light' })
    const inL = inbox(light, key)
    await link(a, light)
    expect(a.peers()[0]).toMatchObject({ lightNode: true, bloom: toHex(topicBloom(TOPIC)) })
    const sent: string[] = []
    a.on('sent', (_id: string, hashes: string[]) => sent.push(...hashes))
    const off = await post(a, key, 'not for light', { topic: OTHER })
    const on = await post(a, key, 'for light')
    await until(() => inL.length === 1, 'light receives its topic')
    expect(text(inL[0])).toBe('for light')
    expect(sent).toEqual([on.hash])
    expect(sent).not.toContain(off.hash)
    expect(light.peers()).toHaveLength(1) // nobody was dropped
    // its bloom limits what it asks for, not what it posts
    const inA = inbox(a, key, [OTHER])
    await post(light, key, 'light posts elsewhere', { topic: OTHER })
    await until(() => inA.length === 1, 'a receives the light node post')
  })
})

describe('mixed versions', () => {
  it('a node offering 5 and 6 talks shh/5 to a v5-only peer and shh/6 to a v6 peer at once', async () => {
    const key = newKey()
    const m = await net.node({ shhVersions: [5, 6], name: 'm' })
    const p5 = await net.node({ shhVersions: [5], noListen: true, name: 'p5' })
    const p6 = await net.node({ shhVersions: [6], noListen: true, name: 'p6' })
    const inM = inbox(m, key)
    const in5 = inbox(p5, key)
    const in6 = inbox(p6, key)
    await link(m, p5)
    await link(m, p6)
    expect(m.peers().map((p) => [p.id, p.shh]).sort()).toEqual([[p5.id, 5], [p6.id, 6]].sort())
    const r = await post(m, key, 'to both')
    expect(r.envelopes.map((e) => e.shh)).toEqual([5, 6])
    expect(r.hashes).toHaveLength(2)
    await until(() => in5.length === 1 && in6.length === 1, 'both peers receive')
    expect([in5[0].shh, text(in5[0])]).toEqual([5, 'to both'])
    expect([in6[0].shh, text(in6[0])]).toEqual([6, 'to both'])
    expect(inM.map((x) => [text(x), x.mine])).toEqual([['to both', true]]) // own post delivered once
    await post(p5, key, 'from v5')
    await post(p6, key, 'from v6')
    await until(() => inM.length === 3, 'm receives from both')
    expect(inM.slice(1).map((x) => `${x.shh}:${text(x)}`).sort()).toEqual(['5:from v5', '6:from v6'])
    expect(m.stats().poolSize).toBe(4)
  })
})
