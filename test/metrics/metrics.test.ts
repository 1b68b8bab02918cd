// `--metrics`' server: a scrape parsed by a real Prometheus text-format parser shows the counters moving
// as envelopes flow between two of our nodes on loopback; /healthz answers; the bridge's Host/token rules.
import { request } from 'node:http'
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format'
import { afterEach, describe, expect, it } from 'vitest'
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js'
import { Archive } from '../../src/node/archive.js'
import { fetchHistory } from '../../src/node/mailclient.js'
import { MailServer } from '../../src/node/mailserver.js'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { Net, inbox, link, newKey, post, until } from '../node/net-helpers.js'
import { tempDirs } from '../support/temp-dirs.js'

const net = new Net()
const servers: MetricsServer[] = []
const mails: MailServer[] = []
const dirs = tempDirs('p2pm-metrics-', null)
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
  await net.close()
  for (const m of mails.splice(0)) m.close()
  dirs.cleanup()
})

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }))
    })
    req.on('error', reject)
    req.end()
  })
}

type Family = MetricFamily

async function scrape(s: MetricsServer): Promise<Map<string, Family>> {
  const r = await get(`${s.url}/metrics`)
  expect(r.status).toBe(200)
  expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/)
  const families = parsePrometheusTextFormat(r.body)
  return new Map(families.map((f) => [f.name, f]))
}

const value = (m: Map<string, Family>, name: string, labels: Record<string, string> = {}): number => {
  const f = m.get(name)
  if (!f) throw new Error(`no metric ${name}`)
  const row = f.metrics.find((r) => Object.entries(labels).every(([k, v]) => r.labels?.[k] === v))
  if (!row) throw new Error(`no ${name} ${JSON.stringify(labels)}`)
  return Number(row.value)
}

describe('metrics', () => {
  it('counters move as envelopes flow between two nodes; gauges follow peers and the pool', async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const b = await net.node({ shhVersions: [6], name: 'b' })
    const s = await startMetricsServer({ host: '127.0.0.1', port: 0, node: a })
    servers.push(s)
    const before = await scrape(s)
    expect(value(before, 'p2p_peers_count')).toBe(0)
    expect(value(before, 'whisper_envelopes_added_total', { protocol: 'shh/6' })).toBe(0)
    expect(before.get('process_resident_memory_bytes')?.type).toBe('GAUGE')
    expect(before.get('nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE')

    const inA = inbox(a, key)
    await link(a, b)
    await post(b, key, 'one')
    await post(b, key, 'two')
    await until(() => inA.length === 2, 'a receives both')
    await post(a, key, 'three')
    await until(() => a.stats().envelopesOut >= 1, 'a forwards its own post')

    const after = await scrape(s)
    expect(value(after, 'p2p_peers_count')).toBe(1)
    expect(after.get('p2p_peers')!.metrics.map((r) => [r.labels?.protocol, Number(r.value)])).toEqual([['shh/6', 1]])
    expect(value(after, 'whisper_envelopes_received_total', { protocol: 'shh/6' })).toBeGreaterThanOrEqual(2)
    expect(value(after, 'whisper_envelopes_added_total', { protocol: 'shh/6' })).toBe(2)
    expect(value(after, 'whisper_envelopes_forwarded_total', { protocol: 'shh/6' })).toBeGreaterThanOrEqual(1)
    expect(value(after, 'whisper_pool_envelopes', { protocol: 'shh/6' })).toBe(3)
    expect(value(after, 'whisper_pool_bytes', { protocol: 'shh/6' })).toBeGreaterThan(0)
    expect(value(after, 'p2p_ingress_bytes_total')).toBeGreaterThan(0)
    expect(value(after, 'p2p_egress_bytes_total')).toBeGreaterThan(0)
    expect(value(after, 'p2p_ingress_packets_total')).toBeGreaterThanOrEqual(2)
    expect(value(after, 'p2p_egress_packets_total')).toBeGreaterThanOrEqual(2)
    expect(after.get('p2p_ingress_bytes_total')?.type).toBe('COUNTER')
    expect(value(after, 'p2pmessage_gateway_crossings_total', { outcome: 'crossed' })).toBe(0)
    expect(value(after, 'p2pmessage_undelivered_posts_total', { reason: 'no-peer' })).toBe(0)
    expect(value(after, 'p2pmessage_sealing_queue')).toBe(0)
  })

  it('a mail server adds its requests, envelopes sent and archive size', async () => {
    const node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], minPow: 0.001, relay: true, sealThreads: 1, verbosity: 0, logger: () => {} })
    const archive = await Archive.open({ dir: dirs.make(), flushMs: 5 })
    const mail = new MailServer(node, { password: 'mail-pw', archive, minPow: 0.001 })
    mails.push(mail)
    net.nodes.push(node)
    await node.start()
    const s = await startMetricsServer({ host: '127.0.0.1', port: 0, node, mail })
    servers.push(s)
    const idle = await scrape(s)
    expect(value(idle, 'mailserver_archived_envelopes')).toBe(0)
    expect(value(idle, 'mailserver_requests_total', { outcome: 'answered' })).toBe(0)

    const talker = await net.node({ shhVersions: [6], name: 'talker' })
    await link(node, talker)
    const room = newKey()
    for (const t of ['one', 'two']) await post(talker, room, t)
    await until(() => archive.stats().envelopes === 2, 'archived')
    const now = Math.floor(Date.now() / 1000)
    const r = await fetchHistory(talker, { mailserver: node.enode, password: 'mail-pw', lower: now - 600, upper: now + 10, pow: 0.001, quietMs: 300 })
    expect(r.envelopes).toBe(2)

    const after = await scrape(s)
    expect(value(after, 'mailserver_archived_envelopes')).toBe(2)
    expect(value(after, 'mailserver_archive_bytes')).toBeGreaterThan(0)
    expect(value(after, 'mailserver_requests_total', { outcome: 'answered' })).toBe(1)
    expect(value(after, 'mailserver_envelopes_sent_total')).toBe(2)
    expect(value(after, 'mailserver_envelopes_sent_bytes_total')).toBeGreaterThan(0)
  })

  it('/healthz answers ok while the node runs, 503 once it stopped', async () => {
    const a = await net.node({ shhVersions: [5], name: 'a' })
    const s = await startMetricsServer({ host: '127.0.0.1', port: 0, node: a })
    servers.push(s)
    expect(await get(`${s.url}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' })
    await a.stop()
    expect((await get(`${s.url}/healthz`)).status).toBe(503)
  })

  it('on loopback a foreign Host name is refused (DNS rebinding), as the bridge does', async () => {
    const a = await net.node({ shhVersions: [5], name: 'a' })
    const s = await startMetricsServer({ host: '127.0.0.1', port: 0, node: a })
    servers.push(s)
    expect(s.token).toBeNull()
    const r = await get(`${s.url}/metrics`, { host: 'evil.example' })
    expect(r.status).toBe(403)
    expect(r.body).toBe('Host header must name a loopback address\n')
  })

  it('bound beyond loopback it needs the token, generated when not given', async () => {
    const a = await net.node({ shhVersions: [5], name: 'a' })
    // 0.0.0.0 is not loopback, so the bridge's rule applies; the test still talks to it on 127.0.0.1
    const s = await startMetricsServer({ host: '0.0.0.0', port: 0, node: a })
    servers.push(s)
    expect(s.generatedToken).toBe(true)
    const url = `http://127.0.0.1:${s.address().port}/metrics`
    expect((await get(url)).status).toBe(401)
    expect((await get(url, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401)
    const ok = await get(url, { authorization: `Bearer ${s.token}` })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatch(/^p2p_peers_count 0$/m)
  })
})
