import type { Net } from '../../src/p2p/net-peer.js'
import { describe, it, expect } from 'vitest'
import { Filters, type DeliveredMessage } from '../../src/node/filter.js'
import { Logger } from '../../src/log/log.js'
import { NodeError } from '../../src/node/errors.js'
import { sealMessage } from '../../src/whisper/seal.js'
import { envelopeHash, type ShhVersion } from '../../src/whisper/envelope.js'
import { generatePrivateKey, publicKeyOf, randomBytes } from '../../src/whisper/crypto.js'
import { utf8 } from '../../src/whisper/bytes.js'
import { nowSec } from './helpers.js'

const log = new Logger({ verbosity: 0 })
const topic = new Uint8Array([0x44, 0xc7, 0x42, 0x9f])
const symKey = randomBytes(32)

function seal(shh: ShhVersion, o: { text?: string; key?: Uint8Array; dst?: Uint8Array; src?: Uint8Array; topic?: Uint8Array; now?: number } = {}) {
  return sealMessage({
    shh, topic: o.topic ?? topic, payload: utf8(o.text ?? 'hello'), ttl: 50, pow: 1e-6, workTime: 1,
    ...(o.dst ? { dst: o.dst } : { symKey: o.key ?? symKey }), src: o.src, now: o.now,
  })
}

const info = (env: ReturnType<typeof seal>, o: { mine?: boolean; p2p?: boolean; net?: Net } = {}) =>
  ({ hash: envelopeHash(env), net: o.net ?? (`shh/${env.shh}` as Net), mine: o.mine ?? false, p2p: o.p2p ?? false, now: nowSec() })

describe('Filters', () => {
  it('validates specs with typed errors', () => {
    const f = new Filters(log)
    expect(() => f.install({ topics: [topic] }, () => {})).toThrow(NodeError)
    expect(() => f.install({ topics: [new Uint8Array(3)], symKey }, () => {})).toThrow(/4 bytes/)
    expect(() => f.install({ topics: [topic], symKey: new Uint8Array(16) }, () => {})).toThrow(/32 bytes/)
    expect(() => f.install({ topics: [topic], symKey, minPow: -1 }, () => {})).toThrow(/minPow/)
  })

  for (const shh of [5, 6] as const) {
    it(`shh/${shh}: opens matching envelopes once, with sender, time, PoW, topic and the mine flag`, () => {
      const f = new Filters(log)
      const got: DeliveredMessage[] = []
      const id = f.install({ topics: [topic], symKey }, (m) => got.push(m))
      const other: DeliveredMessage[] = []
      f.install({ topics: [topic], symKey: randomBytes(32) }, (m) => other.push(m))
      f.install({ topics: [new Uint8Array([1, 2, 3, 4])], symKey }, (m) => other.push(m))
      const priv = generatePrivateKey()
      const env = seal(shh, { src: priv, text: 'hi' })
      expect(f.notify(env, info(env, { mine: true }))).toBe(1)
      expect(f.notify(env, info(env))).toBe(0) // same hash again
      expect(other).toEqual([])
      expect(got).toHaveLength(1)
      const m = got[0]
      expect(Buffer.from(m.payload).toString()).toBe('hi')
      expect(m.src).toEqual(publicKeyOf(priv))
      expect(m.topic).toEqual(topic)
      expect(m.sent).toBe(env.expiry - env.ttl)
      expect(m.pow).toBeGreaterThan(0)
      expect([m.mine, m.p2p, m.filterId, m.shh]).toEqual([true, false, id, shh])
    })

    it(`shh/${shh}: asymmetric filters, minPow, src and p2p gating`, () => {
      const f = new Filters(log)
      const me = generatePrivateKey()
      const got: string[] = []
      f.install({ topics: [], privateKey: me }, (m) => got.push('asym:' + Buffer.from(m.payload).toString()))
      f.install({ topics: [topic], symKey, minPow: 1e9 }, () => got.push('never'))
      const alice = generatePrivateKey()
      f.install({ topics: [topic], symKey, src: publicKeyOf(alice), allowP2P: true }, (m) => got.push(`from-alice:${m.p2p}`))
      const a = seal(shh, { dst: publicKeyOf(me), text: 'secret' })
      f.notify(a, info(a))
      const b = seal(shh, { src: generatePrivateKey(), text: 'x' })
      f.notify(b, info(b))
      const c = seal(shh, { src: alice, text: 'y' })
      f.notify(c, info(c, { p2p: true }))
      expect(got).toEqual(['asym:secret', 'from-alice:true'])
    })
  }

  it('delivers one copy of a post sealed for both versions, but repeated posts each time', () => {
    const f = new Filters(log)
    const got: string[] = []
    f.install({ topics: [topic], symKey }, (m) => got.push(`${m.shh}:${Buffer.from(m.payload).toString()}`))
    const src = generatePrivateKey()
    const now = nowSec()
    const post = () => [seal(5, { src, now, text: 'same' }), seal(6, { src, now, text: 'same' })] as const
    const [a5, a6] = post()
    const [b5, b6] = post()
    for (const env of [a5, b5, a6, b6]) f.notify(env, info(env))
    expect(got).toEqual(['5:same', '5:same'])
  })

  it('a throwing callback does not stop the others; bloom covers the filtered topics', () => {
    const f = new Filters(log)
    const got: number[] = []
    f.install({ topics: [topic], symKey }, () => { throw new Error('boom') })
    f.install({ topics: [topic], symKey }, () => got.push(1))
    const env = seal(6)
    expect(f.notify(env, info(env))).toBe(2)
    expect(got).toEqual([1])
    expect(f.bloom()).not.toBeNull()
    f.install({ topics: [], symKey }, () => {})
    expect(f.bloom()).toBeNull()
  })
})
