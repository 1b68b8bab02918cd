// A pre-sealed corpus replayed from sender processes against real nodes on 127.0.0.1: everything
// counted exactly, each envelope sent once; a ramp says what stopped it; a bad corpus, or a target
// asking for more PoW than the corpus has, is one line and exit 2. No timing is judged here.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { P2PHost } from '../../src/p2p/host.js'
import { generateNodeKey } from '../../src/p2p/nodekey.js'
import type { ShhPeer } from '../../src/p2p/shh-peer.js'
import { asShhPeer } from '../../src/p2p/shh-protocol.js'
import { runRelayLoad } from '../../src/bench/relay-load.js'
import { formatRelayReport, summarize } from '../../src/bench/relay-report.js'
import { loadCorpus, sealCorpus } from '../../src/bench/relay-corpus.js'
import { Cli, ensureBuilt } from '../cli/harness.js'
import { budget } from '../support/budget.js'

const dir = mkdtempSync(join(tmpdir(), 'corpus-e2e-'))
const file = join(dir, 'c.corpus')
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeAll(async () => {
  ensureBuilt()
  await sealCorpus({ file, count: 400, payloadBytes: 64, pow: 0.001, ttl: 900, threads: 1 })
}, budget(60_000))

async function ourRelay(minPow = 0.001): Promise<WhisperNode> {
  const relay = new WhisperNode({ relay: true, shhVersions: [6], minPow, listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, logger: () => {}, sealThreads: 1 })
  await relay.start()
  stops.push(() => relay.stop())
  return relay
}

describe('bench relay --corpus', () => {
  it('from 2 sender processes against our relay: everything delivered, each envelope sent once', async () => {
    const relay = await ourRelay()
    const r = await runRelayLoad({ enode: relay.enode, senders: 2, receivers: 3, rate: 40, durationS: 1, drainS: 10, corpus: loadCorpus(file), processes: 2 })
    const s = summarize(r)
    expect(s).toMatchObject({ sent: 40, delivered: 120, lost: 0, duplicates: 0, disconnects: 0, pow: 0.001, corpus: { file, processes: 2 } })
    // the 2 sender connections are the processes': the relay counted in exactly what they sent
    expect(relay.stats().envelopesIn).toBe(40)
    expect(formatRelayReport(r)).toContain('sent from 2 sender processes')
  }, budget(60_000))

  it('--rate max against a node that loses half: stopped by the target, loss, at the first rate', async () => {
    const host = new P2PHost({ privateKey: generateNodeKey(), listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], minPow: 0, logger: () => {} })
    let n = 0
    const peers = new Set<ShhPeer>()
    host.on('peer', (np) => {
      const p = asShhPeer(np) // an shh-only host
      peers.add(p)
      p.on('close', () => peers.delete(p))
      p.on('envelopes', (envs) => {
        for (const env of envs) if (n++ % 2 === 0) for (const q of peers) if (q !== p && q.bloom === null) q.sendEnvelopes([env])
      })
    })
    await host.start()
    stops.push(() => host.stop())
    const r = await runRelayLoad({ enode: host.enode, senders: 2, receivers: 2, rate: 'max', rampStart: 20, durationS: 1, drainS: 2, corpus: loadCorpus(file), processes: 1 })
    expect(r.maxSustainedPerSec).toBe(0)
    expect(r.stoppedAt).toEqual({ rate: 20, reason: 'the target: loss (20 of 40 not delivered)' })
    expect(formatRelayReport(r)).toContain('stopped at 20/s by the target: loss (20 of 40 not delivered)')
    // the host announces PoW 0, the corpus was sealed at 0.001: said, not refused
    expect(r.warnings).toContain("the target asks for PoW 0, less than the corpus's 0.001 (every envelope passes; start it with --pow 0.001 to match)")
  }, budget(60_000))

  it('a truncated corpus, or a target asking more PoW than the corpus has: one line, exit 2', async () => {
    const relay = await ourRelay(0.5)
    const cut = join(dir, 'cut.corpus')
    writeFileSync(cut, readFileSync(file).subarray(0, 3000))
    for (const [corpus, line] of [
      [cut, `p2pmessage: bench relay: corpus ${cut}: truncated, `],
      [file, `p2pmessage: bench relay: the target asks for PoW 0.5, corpus ${file} was sealed at 0.001: run the target with --pow 0.001 (wnode: -pow) or seal at 0.5`],
    ]) {
      const cli = new Cli(['bench', 'relay', relay.enode, '--corpus', corpus, '--processes', '1', '--rate', '20', '--duration', '1'])
      stops.push(() => cli.dispose())
      const exit = await cli.exited
      expect(exit.code).toBe(2)
      const errors = cli.stderrLines.filter((l) => l.startsWith('p2pmessage:'))
      expect(errors).toHaveLength(1)
      expect(errors[0].startsWith(line)).toBe(true)
    }
  }, budget(60_000))
})
