// The version gateway's pending crossings under one sender's flood (issue 25 item 6): 400 spam
// crossings fill the queue, then 5 from another sender still cross, whether the spam is unsigned or
// signed under 400 fresh keys. Over real sockets; ~10 s each (the spam holds its slots for 3 s).
import { afterEach, describe, expect, it } from 'vitest'
import { Net, TOPIC, TEST_POW, inbox, link, newKey, text, until } from './net-helpers.js'
import { generatePrivateKey } from '../../src/whisper/crypto.js'
import { sealMessage } from '../../src/whisper/seal.js'
import type { Envelope, ShhVersion } from '../../src/whisper/envelope.js'

const net = new Net()
afterEach(() => net.close())

const roomEnvelope = (shh: ShhVersion, key: Uint8Array, msg: string, src?: Uint8Array): Envelope =>
  sealMessage({ shh, topic: TOPIC, payload: new TextEncoder().encode(msg), symKey: key, src, ttl: 60, pow: TEST_POW, workTime: 2 })

describe('gateway queue shared between senders', () => {
  // the spam's crossings wait this long before sealing, so they hold their slots when the legitimate ones come
  const HOLD = { minDelayMs: 3000, maxDelayMs: 3000 }

  async function flood(spamKeys: 'one-peer-unsigned' | 'one-peer-fresh-keys'): Promise<void> {
    const key = newKey()
    const gw = await net.node({ relay: true, name: 'gw', gatewayRooms: [{ topic: TOPIC, symKey: key }], gateway: HOLD })
    const b = await net.node({ shhVersions: [6], name: 'b6' })
    const inB = inbox(b, key)
    await link(gw, b)
    const spammer = await net.probe(gw, 5)
    const member = await net.probe(gw, 5)
    const spam = Array.from({ length: 400 }, (_, i) => roomEnvelope(5, key, `spam ${i}`, spamKeys === 'one-peer-fresh-keys' ? generatePrivateKey() : undefined))
    const alice = generatePrivateKey()
    const legit = Array.from({ length: 5 }, (_, i) => roomEnvelope(5, key, `legit ${i}`, alice))
    spammer.peer.sendEnvelopes(spam)
    // 256 slots taken, the other 144 shed: the queue is full when the legitimate lines come
    await until(() => gw.stats().gatewayShed >= 144, 'the spam fills the queue')
    member.peer.sendEnvelopes(legit)
    await until(() => inB.filter((m) => text(m).startsWith('legit')).length === 5, 'the 5 legitimate lines cross', 20_000)
    expect(gw.stats().gatewayShed).toBeGreaterThanOrEqual(144)
  }

  it('400 unsigned spam crossings from one peer, then 5 from another sender: 5/5 cross', () => flood('one-peer-unsigned'))
  it('400 spam crossings under 400 fresh keys from one peer, then 5 from another: 5/5 cross', () => flood('one-peer-fresh-keys'))
})
