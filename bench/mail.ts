// Mail server figures on loopback, each next to a baseline measured in the same run:
//  - envelopes delivered per second answering one request for a 10,000-envelope archive, against the same
//    10,000 envelopes sent to the same peer as plain p2p messages (node.sendDirect: no archive, no pacing);
//  - requests answered per second (each asks one second of the archive: ~10 envelopes), against the same
//    requests to a server with an empty archive (validation and round trip only);
//  - the whole archive asked for by the mail client in pages of 1000 (limit, cursor, request-complete and a
//    new sealed request per page), against the same client asking once without a limit.
// Usage: node dist/bench/mail.js [envelopes=10000] [requests=300]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { WhisperNode } from '../src/node/whisper-node.js'
import { Archive } from '../src/node/archive.js'
import { MailServer } from '../src/node/mailserver.js'
import { buildEnvelope } from '../src/whisper/seal.js'
import { envelopeHash, type Envelope } from '../src/whisper/envelope.js'
import { encodeMailRequestPayload } from '../src/whisper/mailrequest.js'
import { generatePrivateKey, symKeyFromPassword } from '../src/whisper/crypto.js'
import { fetchHistory } from '../src/node/mailclient.js'

const N = Number(process.argv[2] ?? 10_000)
const R = Number(process.argv[3] ?? 300)
const PW = 'bench'
const quiet = { verbosity: 0, logger: () => {} }

async function server(dir: string): Promise<{ node: WhisperNode; ms: MailServer }> {
  const node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], relay: true, minPow: 0, ...quiet })
  const ms = new MailServer(node, { password: PW, archive: await Archive.open({ dir }), minPow: 0, burst: 1e9, refillMs: 1, maxQueued: 1e9 })
  await node.start()
  return { node, ms }
}

async function client(target: WhisperNode): Promise<WhisperNode> {
  const c = new WhisperNode({ shhVersions: [6], staticPeers: [target.enode], trustedPeers: [target.enode], minPow: 0, sealThreads: 1, ...quiet })
  await c.start()
  await c.waitForPeer(10_000)
  return c
}

function until(cond: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms
  return new Promise((resolve, reject) => {
    const tick = () => (cond() ? resolve() : Date.now() > end ? reject(new Error('bench timed out')) : setTimeout(tick, 2))
    tick()
  })
}

function request(signer: Uint8Array, lower: number, upper: number): Envelope {
  // PoW 0: the bench servers do not ask for any (v6 nonce 0), so sealing cost stays out of the figures
  return buildEnvelope({ shh: 6, topic: new Uint8Array(4), payload: encodeMailRequestPayload(6, { lower, upper }), symKey: symKeyFromPassword(PW), src: signer, ttl: 50, pow: 0, workTime: 1 })
}

async function main(): Promise<void> {
  const dirs = [mkdtempSync(join(tmpdir(), 'mail-bench-')), mkdtempSync(join(tmpdir(), 'mail-bench-'))]
  const full = await server(dirs[0])
  const empty = await server(dirs[1])
  const now = Math.floor(Date.now() / 1000)
  const key = symKeyFromPassword('room')
  const envs: Envelope[] = []
  for (let i = 0; i < N; i++) {
    const sent = now - 3600 + Math.floor((i * 3000) / N)
    envs.push(buildEnvelope({ shh: 6, topic: Uint8Array.of(1, 2, 3, 4), payload: new TextEncoder().encode(`history line ${i} `.padEnd(120, '.')), symKey: key, ttl: 50, pow: 0, workTime: 1, now: sent }))
  }
  for (const e of envs) full.ms.archive.add(e, envelopeHash(e))
  full.ms.archive.flush()

  const c = await client(full.node)
  let got = 0
  c.on('p2pMessage', () => got++)
  const signer = generatePrivateKey()

  // baseline 1: the same envelopes as plain p2p messages
  got = 0
  let t = performance.now()
  for (const e of envs) full.node.sendDirect(c.id, e)
  await until(() => got >= N)
  const directRate = N / ((performance.now() - t) / 1000)

  // history: one request for everything
  got = 0
  t = performance.now()
  c.requestHistory(full.node.id, request(signer, 0, now + 10))
  await until(() => got >= N)
  const historyRate = N / ((performance.now() - t) / 1000)

  // requests answered per second, each for one second of the archive
  const ask = async (srv: { node: WhisperNode; ms: MailServer }, cl: WhisperNode): Promise<number> => {
    const base = srv.ms.stats().answered
    const reqs = Array.from({ length: R }, (_, i) => request(signer, now - 3600 + (i % 3000), now - 3600 + (i % 3000)))
    const t0 = performance.now()
    for (const r of reqs) cl.requestHistory(srv.node.id, r)
    await until(() => srv.ms.stats().answered - base >= R)
    return R / ((performance.now() - t0) / 1000)
  }
  // paged against unpaged, the mail client on both sides of the comparison (different ranges: not deduplicated)
  const whole = async (pageLimit: number, lower: number): Promise<number> => {
    got = 0
    const t0 = performance.now()
    const done = fetchHistory(c, { mailserver: full.node.enode, password: PW, lower, upper: now + 10, pow: 0, workTime: 1, pageLimit, quietMs: 500, timeoutMs: 60_000 })
    await until(() => got >= N)
    const rate = N / ((performance.now() - t0) / 1000)
    await done
    return rate
  }
  const pagedRate = await whole(1000, 0)
  const unpagedRate = await whole(0, 1)
  const reqRate = await ask(full, c)
  const c2 = await client(empty.node)
  const emptyRate = await ask(empty, c2)

  const load = loadavg().map((x) => x.toFixed(2)).join(' ')
  console.log(`mail server bench (loopback, shh/6, ${N}-envelope archive, load ${load})`)
  console.log(`  history delivery   ${historyRate.toFixed(0)} envelopes/s   baseline plain p2p messages ${directRate.toFixed(0)} envelopes/s   ratio ${(historyRate / directRate).toFixed(2)}`)
  console.log(`  paged history      ${pagedRate.toFixed(0)} envelopes/s   baseline one unpaged request ${unpagedRate.toFixed(0)} envelopes/s   ratio ${(pagedRate / unpagedRate).toFixed(2)}`)
  console.log(`  requests answered  ${reqRate.toFixed(0)} requests/s    baseline empty archive ${emptyRate.toFixed(0)} requests/s   ratio ${(reqRate / emptyRate).toFixed(2)}`)
  for (const n of [c, c2, full.node, empty.node]) await n.stop()
  full.ms.close()
  empty.ms.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
