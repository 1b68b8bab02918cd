// `relay --metrics` through the real binary, scraped while `p2pmessage bench relay` loads it: the counters
// move with the load and end at what the bench counted (every envelope sent was added once and forwarded
// to each receiver).
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { Cli, ensureBuilt, LOCAL_RELAY } from './harness.js'

const procs: Cli[] = []
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})

async function scrape(url: string): Promise<(name: string, labels?: Record<string, string>) => number> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  const families = parsePrometheusTextFormat(await res.text())
  return (name, labels = {}) => {
    const row = families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    return row ? Number(row.value) : NaN
  }
}

describe('relay --metrics', () => {
  it('a scrape during bench relay shows the counters moving; at the end they match the bench', async () => {
    const relay = new Cli(['relay', ...LOCAL_RELAY, '--pow', '0.001', '--shh', '6', '--listen', '127.0.0.1:0', '--status', '1', '--metrics', '127.0.0.1:0'])
    procs.push(relay)
    const enode = await relay.waitFor(/^enode:\/\//)
    const url = (await relay.waitFor(/^metrics http:/)).split(' ')[1]
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    expect((await fetch(url.replace(/metrics$/, 'healthz'))).status).toBe(200)
    const idle = await scrape(url)
    expect(idle('p2p_peers_count')).toBe(0)

    const bench = new Cli(['bench', 'relay', enode, '--senders', '1', '--receivers', '2', '--rate', '20', '--duration', '4', '--pow', '0.001', '--size', '32', '--threads', '1', '--drain', '5', '--json'])
    procs.push(bench)
    let benchDone = false
    void bench.exited.then(() => (benchDone = true))
    // during the load: scraped once the relay's own status line says envelopes came in
    await relay.waitFor(/ status peers=3 pool=[1-9]\d* in=[1-9]/)
    const during = await scrape(url)
    expect(benchDone, 'the bench was still running').toBe(false)
    expect(during('whisper_envelopes_added_total', { protocol: 'shh/6' })).toBeGreaterThan(0)
    expect(during('p2p_peers_count')).toBe(3)
    expect(during('p2p_peers', { protocol: 'shh/6', direction: 'inbound' })).toBe(3)
    expect(during('p2p_ingress_bytes_total')).toBeGreaterThan(idle('p2p_ingress_bytes_total'))

    const exit = await bench.exited
    expect(exit.code, bench.stderrLines.join('\n')).toBe(0)
    const s = JSON.parse(bench.stdoutLines[0])
    expect(s).toMatchObject({ sent: 80, delivered: 160, lost: 0 })
    const end = await scrape(url)
    expect(end('whisper_envelopes_added_total', { protocol: 'shh/6' })).toBe(80)
    expect(end('whisper_envelopes_forwarded_total', { protocol: 'shh/6' })).toBeGreaterThanOrEqual(160)
    expect(end('p2p_egress_packets_total')).toBeGreaterThan(during('p2p_egress_packets_total'))
    expect(end('whisper_pool_envelopes', { protocol: 'shh/6' })).toBe(80)
    relay.kill('SIGTERM')
    expect((await relay.exited).code).toBe(0)
  })
})

describe('bridge --metrics', () => {
  const dirs = tempDirs('p2pm-bridge-metrics-', afterAll)
  it('beyond loopback it takes the bridge\'s --token', async () => {
    const token = 'metrics-test-token-0123456789'
    const bridge = new Cli(['bridge', '--bootnodes', 'none', '--http', '127.0.0.1:0', '--datadir', dirs.make(), '--token', token, '--metrics', '0.0.0.0:0'])
    procs.push(bridge)
    const port = /:(\d+)\/metrics$/.exec(await bridge.waitFor(/^metrics http:/))![1]
    const url = `http://127.0.0.1:${port}/metrics`
    expect((await fetch(url)).status).toBe(401)
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toMatch(/^p2p_peers_count 0$/m)
    expect(bridge.stdoutLines.some((l) => l.startsWith('metrics token'))).toBe(false)
    bridge.kill('SIGTERM')
    expect((await bridge.exited).code).toBe(0)
  })
})
