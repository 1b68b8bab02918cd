// status-go v0.78.0's Waku vectors (fixtures/waku1-statusgo.json) through src/waku/vectors.ts: every
// entry kind decodes and re-encodes byte for byte, and the checker notices a wrong byte.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkWakuVectorFile, isWakuVectorFile } from '../../src/waku/vectors.js'
import { WhisperError } from '../../src/whisper/errors.js'

const load = (): Record<string, any> => JSON.parse(readFileSync(new URL('../../fixtures/waku1-statusgo.json', import.meta.url), 'utf8'))

describe('waku1-statusgo.json through the Waku checker', () => {
  const json = load()
  const report = checkWakuVectorFile(json)
  const kinds = [...new Set((json.entries as { kind: string }[]).map((e) => e.kind))]

  it('covers every entry, both protocol tables and the constants', () => {
    expect(json.entries.length).toBe(90)
    expect(report.results.length).toBe(90 + 2 + 1)
    expect(new Set(report.results.map((r) => r.id)).size).toBe(report.results.length)
  })
  it('knows all 14 kinds', () => {
    expect(kinds.length).toBe(14)
  })
  it.each(kinds)('every %s entry passes', (kind) => {
    const ids = report.results.filter((r) => r.id.startsWith(`${kind}[`))
    expect(ids.length).toBe(json.entries.filter((e: { kind: string }) => e.kind === kind).length)
    expect(ids.filter((r) => !r.ok)).toEqual([])
  })
  it('the code tables and constants pass', () => {
    expect(report.results.filter((r) => !r.id.includes('[') || r.id.startsWith('protocols[')).every((r) => r.ok)).toBe(true)
    expect(report.failed).toBe(0)
  })
})

describe('the Waku checker detects wrong data', () => {
  const failing = (mutate: (j: Record<string, any>) => void) => {
    const j = load()
    mutate(j)
    return checkWakuVectorFile(j).results.filter((r) => !r.ok)
  }
  const entry = (j: Record<string, any>, kind: string, name: string, protocol = 'waku/1') =>
    j.entries.find((e: any) => e.kind === kind && e.name === name && e.protocol === protocol)

  it('a status with a changed PoW bit', () => {
    const bad = failing((j) => {
      const e = entry(j, 'status', 'pow-only-0.2')
      e.rlp = e.rlp.replace('3fc999999999999a', '3fc999999999999b')
    })
    expect(bad.map((r) => r.id)).toEqual(['status[pow-only-0.2 waku/1]'])
    expect(bad[0].reason).toMatch(/encoding .* differs from vector/)
  })
  it('waku/0 string keys given as waku/1 uint keys', () => {
    const bad = failing((j) => {
      entry(j, 'status', 'light-node-true', 'waku/0').rlp = 'c580c3c20201'
    })
    expect(bad.map((r) => r.id)).toEqual(['status[light-node-true waku/0]'])
  })
  it('a wrong batch hash, envelope byte, cursor and request id', () => {
    const bad = failing((j) => {
      entry(j, 'messages', 'two-envelopes').fields.batchHash = '00'.repeat(32)
      const env = entry(j, 'envelope', 'sym-signed', 'waku/0,waku/1')
      env.rlp = env.rlp.slice(0, 40) + (env.rlp[40] === '0' ? '1' : '0') + env.rlp.slice(41)
      entry(j, 'mailserver-cursor', 'dbkey-and-cursor', 'waku/0,waku/1').fields.timestamp = 1600000001
      entry(j, 'p2p-request-complete', 'failed', 'waku/0').fields.requestId = '11'.repeat(32)
    })
    expect(bad.map((r) => r.id).sort()).toEqual([
      'envelope[sym-signed waku/0,waku/1]', 'mailserver-cursor[dbkey-and-cursor waku/0,waku/1]', 'messages[two-envelopes waku/1]',
      'p2p-request-complete[failed waku/0]',
    ])
  })
  it('an unknown entry kind', () => {
    const bad = failing((j) => j.entries.push({ kind: 'mystery', name: 'x', protocol: 'waku/1' }))
    expect(bad).toEqual([{ id: 'mystery[x waku/1]', ok: false, reason: 'unknown entry kind "mystery"' }])
  })
  it('refuses a file that is not a Waku vector file', () => {
    expect(isWakuVectorFile({ protocol: 'shh/6', envelopes: [] })).toBe(false)
    expect(() => checkWakuVectorFile({ entries: [] })).toThrowError(WhisperError)
  })
})
