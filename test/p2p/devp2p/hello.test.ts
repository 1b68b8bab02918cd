// Our HELLO carries its integers as RLP wants them (fixes.ts, 9.): geth refuses a capability version
// written 00 and never runs waku/0 with us. Both ends of a loopback connection are ours here, so every
// HELLO read in this process is one we wrote.
import { afterAll, describe, expect, it } from 'vitest'
import { RLP } from '@ethereumjs/rlp'
import { Peer } from '@ethereumjs/devp2p'
import { canonicalHello } from '../../../src/p2p/devp2p/fixes.js'
import { WhisperNode } from '../../../src/node/index.js'
import { parseEnode } from '../../../src/p2p/enode.js'
import { RawShhConnection } from '../../../src/p2p/raw-shh-connection.js'

describe('HELLO integers', () => {
  const proto = Peer.prototype as unknown as { _handleHello: (payload: unknown) => void }
  const fixed = proto._handleHello
  const seen: unknown[] = []
  proto._handleHello = function (this: unknown, payload: unknown) {
    seen.push(payload)
    return fixed.call(this, payload)
  }
  let node: WhisperNode | undefined
  afterAll(async () => {
    proto._handleHello = fixed
    await node?.stop()
  })

  it('a waku/0 capability goes out as version 80 (empty), both ways', async () => {
    node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, protocols: ['waku/0'] })
    await node.start()
    const c = await RawShhConnection.open({ target: parseEnode(node.enode), shh: 6, capabilities: [{ name: 'waku', version: 0 }], status: 'none' })
    const hello = await c.hello
    expect(hello.capabilities).toEqual([{ name: 'waku', version: 0 }])
    // the node sends its waku status once it has read our hello
    expect(await c.waitPacket((p) => p.code === 0, 10_000)).not.toBeNull()
    c.close()
    expect(seen.length).toBe(2)
    for (const h of seen as Uint8Array[][][]) {
      const caps = h[2] as unknown as Uint8Array[][]
      expect(caps.map((cap) => [Buffer.from(cap[0]).toString(), Buffer.from(cap[1]).toString('hex')])).toEqual([['waku', '']])
    }
  })

  it('canonicalHello trims leading zeros of the versions and port only', () => {
    const id = Uint8Array.from([0, 0, ...new Array(62).fill(7)])
    const ours = RLP.encode([Uint8Array.of(5), Uint8Array.of(0x61), [[Uint8Array.of(0x73), Uint8Array.of(0)], [Uint8Array.of(0x74), Uint8Array.of(1)]], Uint8Array.of(0, 80), id])
    expect(RLP.decode(canonicalHello(ours))).toEqual([Uint8Array.of(5), Uint8Array.of(0x61), [[Uint8Array.of(0x73), new Uint8Array(0)], [Uint8Array.of(0x74), Uint8Array.of(1)]], Uint8Array.of(80), id])
    expect(canonicalHello(Uint8Array.of(0xc0))).toEqual(Uint8Array.of(0xc0))
  })
})
