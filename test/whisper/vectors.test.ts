import { describe, expect, it } from 'vitest'
import { checkVectorFile, vectorFileVersion } from '../../src/whisper/vectors.js'
import { WhisperError } from '../../src/whisper/errors.js'
import { loadVectors } from './helpers.js'

const files = ['shh5-geth.json', 'shh6-geth.json'] as const

describe.each(files)('%s through the conformance checker', (file) => {
  const json = loadVectors(file)
  const report = checkVectorFile(json)
  const byId = new Map(report.results.map((r) => [r.id, r]))

  it('knows the protocol version', () => {
    expect(report.shh).toBe(file.startsWith('shh5') ? 5 : 6)
  })
  it('covers every entry of the file', () => {
    const expected = json.envelopes.length + json.kdf.length + json.wnodeTopicFromPassword.length + json.status.length +
      (json.bloom?.length ?? 0) + 1 /* messagesPacket */ + (json.powRequirementPacket ? 1 : 0) + (json.bloomFilterExPacket ? 1 : 0)
    expect(report.results.length).toBe(expected)
    expect(report.passed + report.failed).toBe(expected)
  })
  it.each(json.envelopes.map((e: { name: string }) => e.name) as string[])('envelope %s passes every check', (name) => {
    expect(byId.get(`envelopes[${name}]`)).toEqual({ id: `envelopes[${name}]`, ok: true })
  })
  it('kdf, wnode topic, status, bloom and packet entries pass', () => {
    const others = report.results.filter((r) => !r.id.startsWith('envelopes['))
    expect(others.filter((r) => !r.ok)).toEqual([])
    expect(others.filter((r) => r.id.startsWith('wnodeTopicFromPassword')).length).toBe(3)
    expect(report.failed).toBe(0)
  })
})

describe('the checker detects wrong data', () => {
  const base = loadVectors('shh6-geth.json')
  const clone = () => JSON.parse(JSON.stringify(base))
  const failing = (json: unknown) => checkVectorFile(json).results.filter((r) => !r.ok)

  it('a flipped ciphertext byte', () => {
    const j = clone()
    const rlp: string = j.envelopes[0].rlp
    j.envelopes[0].rlp = rlp.slice(0, 100) + (rlp[100] === '0' ? '1' : '0') + rlp.slice(101)
    const f = failing(j)
    expect(f.map((r) => r.id)).toContain('envelopes[sym-password-empty-true]')
  })
  it('a wrong expected PoW, payload, signer, hash', () => {
    const j = clone()
    j.envelopes[1].pow *= 1 + 1e-8
    j.envelopes[2].payload = '00'
    j.envelopes[3].senderAddress = '00'.repeat(20)
    j.envelopes[4].hash = '00'.repeat(32)
    const f = failing(j)
    expect(f.length).toBe(4)
    expect(f[0].reason).toMatch(/PoW/)
    expect(f[1].reason).toMatch(/payload/)
    expect(f[2].reason).toMatch(/signer address/)
    expect(f[3].reason).toMatch(/hash/)
  })
  it('a wrong status, bloom, kdf entry', () => {
    const j = clone()
    j.status[0].minPow = 0.3
    j.bloom[0].bloom = '00'.repeat(64)
    j.kdf[0].password = 'nope'
    expect(failing(j).map((r) => r.id).sort()).toEqual(['bloom[0]', 'kdf[0]', 'status[0]'])
  })
  it('missing fields fail the entry, not the run', () => {
    const j = clone()
    delete j.envelopes[0].rlp
    j.envelopes[1] = 42
    // the messages packet names envelope 0, which now has no rlp to compare with
    expect(failing(j).map((r) => r.id)).toEqual(['envelopes[sym-password-empty-true]', 'envelopes[1]', 'messagesPacket'])
  })
  it('a file without a protocol is refused with a typed error', () => {
    expect(() => vectorFileVersion({})).toThrowError(WhisperError)
    expect(() => checkVectorFile([])).toThrowError(WhisperError)
  })
})
