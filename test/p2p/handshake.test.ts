import { afterEach, describe, expect, it } from 'vitest'
import type { P2PHost } from '../../src/p2p/host.js'
import { makeHost, waitPeer } from './helpers.js'

const hosts: P2PHost[] = []
function host(...args: Parameters<typeof makeHost>): P2PHost {
  const h = makeHost(...args)
  hosts.push(h)
  return h
}
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
})

describe('shh handshake between two hosts', () => {
  it('negotiates shh/6 when both offer [5, 6]', async () => {
    const a = host()
    const b = host()
    await a.start()
    await b.start()
    b.addPeer(a.enode)
    const [pa, pb] = await Promise.all([waitPeer(a, b.id), waitPeer(b, a.id)])
    expect(pa.shh).toBe(6)
    expect(pb.shh).toBe(6)
    expect(pa.inbound).toBe(true)
    expect(pb.inbound).toBe(false)
    expect(pb.minPow).toBe(0.2)
    expect(pb.bloom).toBeNull()
    expect(pb.baseProtocolVersion).toBe(5)
  })
})
