// The network bridge's queue: onPooled never waits for the other side (status-go's unbuffered bridge
// channel blocked ingest), what does not fit is dropped and counted, and what the bridge put in a
// pool itself is never carried back.
import { describe, expect, it } from 'vitest'
import { NetBridge, type BridgeTarget } from '../../src/node/net-bridge.js'
import { Logger } from '../../src/log/log.js'
import type { Envelope } from '../../src/whisper/envelope.js'
import type { Net } from '../../src/p2p/net-peer.js'
import { entryOf, rawEnvelope } from './helpers.js'

const log = new Logger({ verbosity: 0 })
const turn = () => new Promise((r) => setImmediate(r))

class Recorder implements BridgeTarget {
  readonly got: [Net, Envelope][] = []
  bridgeIn(env: Envelope, net: Net): string {
    this.got.push([net, env])
    return 'added'
  }
}

describe('NetBridge', () => {
  it('queues without waiting, drops and counts past its bound, carries each way, and never what it bridged', async () => {
    const target = new Recorder()
    const bridge = new NetBridge(target, log, { maxQueue: 3 })
    const fromShh = [1, 2, 3, 4, 5].map(() => entryOf(rawEnvelope(6), { net: 'shh/6' }))
    for (const e of fromShh) bridge.onPooled(e, false)
    // nothing crossed yet: the caller (ingest) was not held up by the other side
    expect(target.got).toEqual([])
    expect(bridge.stats.bridgeDropped).toBe(2)
    await turn()
    expect(target.got.map(([n, env]) => [n, env])).toEqual(fromShh.slice(0, 3).map((e) => ['waku', e.env]))
    const fromWaku = entryOf(rawEnvelope(6), { net: 'waku' })
    bridge.onPooled(fromWaku, false)
    bridge.onPooled(entryOf(fromShh[0].env, { net: 'waku' }), true) // what it bridged: not back
    bridge.onPooled(entryOf(rawEnvelope(5), { net: 'shh/5' }), false) // not its networks
    await turn()
    expect(target.got.slice(3)).toEqual([['shh/6', fromWaku.env]])
    expect(bridge.stats.bridged).toEqual({ waku: 3, 'shh/6': 1 })
    bridge.close()
  })
})
