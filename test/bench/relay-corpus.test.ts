// The pre-sealed corpus of `bench relay`: sealed once into a file, read back with every envelope
// intact, and refused with one clear line when truncated, below the PoW it claims, or expired.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { corpusEnvelopes, CorpusError, envelopeKey, loadCorpus, sealCorpus } from '../../src/bench/relay-corpus.js'
import { envelopePow } from '../../src/whisper/envelope.js'
import { budget } from '../support/budget.js'

const dir = mkdtempSync(join(tmpdir(), 'corpus-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('relay corpus', () => {
  const file = join(dir, 'c.corpus')
  it('seals once and reads back every envelope, at its PoW, with its key', async () => {
    const h = await sealCorpus({ file, count: 40, payloadBytes: 64, pow: 0.001, ttl: 600, threads: 1 })
    expect(h).toMatchObject({ shh: 6, count: 40, pow: 0.001, ttl: 600, payloadBytes: 64 })
    const c = loadCorpus(file)
    expect(c.keys).toHaveLength(40)
    expect(new Set(c.keys).size).toBe(40)
    const envs = corpusEnvelopes(c, 10, 5)
    expect(envs.map(envelopeKey)).toEqual(c.keys.slice(10, 15))
    for (const e of envs) expect(envelopePow(e)).toBeGreaterThanOrEqual(0.001)
  }, budget(30_000))

  it('a truncated file: one line naming how many envelopes are there', () => {
    const bytes = readFileSync(file)
    const cut = join(dir, 'cut.corpus')
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10))
    expect(() => loadCorpus(cut)).toThrow(new CorpusError(`corpus ${cut}: truncated, 39 of 40 envelopes`))
  })

  it('a header claiming more PoW than the envelopes have', () => {
    const text = readFileSync(file)
    const lie = join(dir, 'lie.corpus')
    const i = text.indexOf('"pow":0.001')
    writeFileSync(lie, Buffer.concat([text.subarray(0, i), Buffer.from('"pow":50000'), text.subarray(i + '"pow":0.001'.length)]))
    expect(() => loadCorpus(lie)).toThrow(/^corpus .*lie\.corpus: envelope 0 has PoW [0-9.e+-]+, below the 50000 the file claims$/)
  })

  it('expired (or too close to expiry to replay): refused', () => {
    // 600 s of TTL: asking for 700 s of life left is an expired corpus
    expect(() => loadCorpus(file, 700)).toThrow(/^corpus .*c\.corpus: expired \(envelope 0 expires .*Z; replays need 700 s left\): seal a new one$/)
  })

  it('not a corpus at all', () => {
    const other = join(dir, 'other')
    writeFileSync(other, 'hello\n')
    expect(() => loadCorpus(other)).toThrow(/not a corpus file/)
    expect(() => loadCorpus(join(dir, 'missing'))).toThrow(/no such file/)
  })
})
