// The relay load generator against real nodes on 127.0.0.1: our relay at a small fixed rate delivers
// everything and the report counts exactly what was sent; a node that forwards only every other
// envelope shows up as loss. No timing is judged here.
import { asShhPeer } from '../../src/p2p/shh-protocol.js'
import { afterEach, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { P2PHost } from '../../src/p2p/host.js'
import { generateNodeKey } from '../../src/p2p/nodekey.js'
import type { ShhPeer } from '../../src/p2p/shh-peer.js'
import { runRelayLoad } from '../../src/bench/relay-load.js'
import { formatRelayReport, summarize } from '../../src/bench/relay-report.js'
import { latencyPlot } from '../../src/bench/plot.js'
import { buildProgram } from '../../src/cli/main.js'
import { startSink } from '../../src/bench/relay-sink.js'
import { budget } from '../support/budget.js'

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()))
})

describe('bench relay', () => {
  it('is a subcommand of bench with the options of the issue', async () => {
    const bench = (await buildProgram()).commands.find((c) => c.name() === 'bench')!
    const relay = bench.commands.find((c) => c.name() === 'relay')!
    expect(relay.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--senders', '--receivers', '--rate', '--duration', '--size', '--shh', '--pow', '--json', '--plot']))
  })

  it('against our relay at a small fixed rate: everything delivered, exactly what was sent', async () => {
    const relay = new WhisperNode({ relay: true, shhVersions: [6], minPow: 0.001, listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, logger: () => {}, sealThreads: 1 })
    await relay.start()
    stops.push(() => relay.stop())
    const r = await runRelayLoad({ enode: relay.enode, senders: 2, receivers: 3, rate: 40, durationS: 1, pow: 0.001, payloadBytes: 64, threads: 1, drainS: 10 })
    expect(r.steps).toHaveLength(1)
    const s = summarize(r)
    expect(s.sent).toBe(40)
    expect(s.delivered).toBe(40 * 3)
    expect(s.lost).toBe(0)
    expect(s.duplicates).toBe(0)
    expect(s.disconnects).toBe(0)
    expect(r.steps[0].receivers.map((x) => x.delivered)).toEqual([40, 40, 40])
    // what the relay counted in matches what we counted out
    expect(relay.stats().envelopesIn).toBe(40)
    for (const k of ['sent', 'delivered', 'lost', 'duplicates', 'deliveredPerSec', 'latencyMsP50', 'latencyMsP99', 'disconnects']) {
      expect(s).toHaveProperty(k)
    }
    expect(s.latencyMsP99).toBeGreaterThanOrEqual(s.latencyMsP50)
    expect(r.target.minPow).toBe(0.001)
    expect(formatRelayReport(r)).toMatch(/^40 +40 +/m)
    expect(latencyPlot(r)).toMatch(/^<svg[^]*<path[^]*<\/svg>\n$/)
  }, budget(60_000))

  it('against a node that forwards every other envelope: the loss is reported', async () => {
    // a minimal forwarder: counts what the senders send and passes on only the odd-numbered ones,
    // to the peers that ask for everything (our receivers; the senders announce an empty bloom)
    const host = new P2PHost({ privateKey: generateNodeKey(), listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], minPow: 0, logger: () => {} })
    let n = 0
    const peers = new Set<ShhPeer>()
    host.on('peer', (np) => {
    const p = asShhPeer(np) // an shh-only host
      peers.add(p)
      p.on('close', () => peers.delete(p))
      p.on('envelopes', (envs) => {
        for (const env of envs) {
          if (n++ % 2 === 1) continue
          for (const q of peers) if (q !== p && q.bloom === null) q.sendEnvelopes([env])
        }
      })
    })
    await host.start()
    stops.push(() => host.stop())
    const r = await runRelayLoad({ enode: host.enode, senders: 2, receivers: 2, rate: 40, durationS: 1, pow: 0.001, payloadBytes: 64, threads: 1, drainS: 2 })
    const s = summarize(r)
    expect(s.sent).toBe(40)
    expect(n).toBe(40)
    expect(s.delivered).toBe(20 * 2)
    expect(s.lost).toBe(20 * 2)
    expect(r.steps[0].receivers.map((x) => x.lost)).toEqual([20, 20])
    expect(r.steps[0].sustained).toBe(false)
  }, budget(60_000))

  it('finds the target\'s shh version by itself (shh/5: no announced PoW, n/a), and names it when --shh does not fit', async () => {
    const relay = new WhisperNode({ relay: true, shhVersions: [5], minPow: 0.001, listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, logger: () => {}, sealThreads: 1 })
    await relay.start()
    stops.push(() => relay.stop())
    const r = await runRelayLoad({ enode: relay.enode, senders: 1, receivers: 1, rate: 10, durationS: 1, pow: 0.001, payloadBytes: 64, threads: 1, drainS: 10 })
    expect(r.target.shh).toBe(5)
    expect(r.target.minPow).toBeNull()
    expect(summarize(r).delivered).toBe(10)
    expect(formatRelayReport(r)).toMatch(/shh\/5, announced min PoW n\/a$/m)
    await expect(runRelayLoad({ enode: relay.enode, shh: 6, senders: 1, receivers: 1, rate: 10, durationS: 1, pow: 0.001, threads: 1 }))
      .rejects.toThrow(/no shh\/6 session: .*\(the target offers shh\/5; --shh 5 or no --shh to find the version\)/)
  }, budget(60_000))

  it('against the sink (the generator ceiling run): everything passes, nothing is checked or kept', async () => {
    const sink = await startSink({ listen: { host: '127.0.0.1', port: 0 } })
    stops.push(() => sink.stop())
    const r = await runRelayLoad({ enode: sink.enode, senders: 2, receivers: 2, rate: 30, durationS: 1, pow: 0.001, payloadBytes: 64, threads: 1, drainS: 10 })
    expect(summarize(r).delivered).toBe(60)
    expect(sink.stats().envelopesIn).toBe(30)
    expect(sink.stats().envelopesOut).toBe(60)
  }, budget(60_000))
})
