// The per-version envelope counters behind whisper_envelopes_dropped_total{reason} and
// whisper_envelopes_rejected_total{reason}: a raw peer sends envelopes geth's add() would ignore or
// refuse, and the scrape names each reason.
import { RLP } from '@ethereumjs/rlp'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { afterEach, describe, expect, it } from 'vitest'
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js'
import { WhisperNode } from '../../src/node/whisper-node.js'
import type { Envelope } from '../../src/whisper/envelope.js'
import { encodeStatus } from '../../src/whisper/packets.js'
import { sealEnvelope } from '../../src/whisper/seal.js'
import { RawShhPeer } from '../fuzz/raw-peer.js'
import { until } from '../node/net-helpers.js'

const now = () => Math.floor(Date.now() / 1000)
const u = (n: number | bigint) => (BigInt(n) === 0n ? new Uint8Array(0) : BigInt(n))
const packet = (envs: Envelope[]) => RLP.encode(envs.map((e) => [u(e.expiry), u(e.ttl), e.topic, e.data, u(e.nonce)]) as never)
const envelope = (ttl: number, expiry: number, fill: number): Envelope =>
  ({ shh: 6, version: new Uint8Array(0), expiry, ttl, topic: Uint8Array.of(1, 2, 3, 4), aesNonce: new Uint8Array(0), data: new Uint8Array(48).fill(fill), nonce: 0n })

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const s of stops.splice(0)) await s()
})

describe('envelope outcomes by reason', () => {
  it('zero-TTL envelopes are counted dropped, a future one rejected (and its peer dropped), a real one added', async () => {
    const node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], minPow: 0.2, relay: true, verbosity: 0, sealThreads: 1, logger: () => {} })
    await node.start()
    stops.push(() => node.stop())
    const s: MetricsServer = await startMetricsServer({ host: '127.0.0.1', port: 0, node })
    stops.push(() => s.close())
    const peer = await RawShhPeer.open(node.enode, 6)
    await peer.ready
    peer.send(0, encodeStatus(6, { minPow: 0, bloom: null, lightNode: false }))
    // zero-TTL ones expire 8 s ahead: with expiry = now they read as expired once the second turns before
    // the node checks them (checked first, as geth), and 8 s stays inside the 10 s allowance for the future
    const soon = now() + 8
    peer.send(1, packet([envelope(0, soon, 1), envelope(0, soon, 2), envelope(0, soon, 3), sealEnvelope(envelope(30, now() + 30, 4), 0.3, 5)]))
    await until(() => node.stats().envelopesIn === 1, 'the real envelope pooled')
    peer.send(1, packet([envelope(30, now() + 1000, 5)]))
    await until(() => node.stats().peersDropped === 1, 'the peer dropped')

    const body = await (await fetch(`${s.url}/metrics`)).text()
    const rows = (name: string) => parsePrometheusTextFormat(body).find((f) => f.name === name)?.metrics.map((m) => [m.labels, Number(m.value)])
    expect(rows('whisper_envelopes_received_total')).toEqual([[{ protocol: 'shh/6' }, 5]])
    expect(rows('whisper_envelopes_added_total')).toEqual([[{ protocol: 'shh/6' }, 1]])
    expect(rows('whisper_envelopes_dropped_total')).toEqual([[{ protocol: 'shh/6', reason: 'zero-ttl' }, 3]])
    expect(rows('whisper_envelopes_rejected_total')).toEqual([[{ protocol: 'shh/6', reason: 'future' }, 1]])
    expect(rows('whisper_peers_dropped_total')).toEqual([[undefined, 1]])
    peer.close()
  })
})
