// `p2pmessage vectors verify`, main() run in-process (binary.e2e.test.ts runs the real binary).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectUsageError, lines, ROOT } from './harness.js'
import { tempDirs } from '../support/temp-dirs.js'
import { run } from './in-process.js'

const fixture = (f: string) => join(ROOT, 'fixtures', f)


describe('p2pmessage vectors verify', () => {
  const dirs = tempDirs('p2pmessage-vectors-', afterAll)
  let dir: string
  beforeAll(() => {
    dir = dirs.make()
  })

  it.each([['shh5-geth.json', 47], ['shh6-geth.json', 56]] as const)(
    '%s: every entry passes and the command exits 0',
    async (file, passed) => {
      const r = await run(['vectors', 'verify', fixture(file)])
      expect(r.stdout).toBe(`${passed} passed, 0 failed\n`)
      expect(r.code).toBe(0)
    })

  it("status-go's Waku file: all 90 entries, both code tables and the constants pass", async () => {
    const r = await run(['vectors', 'verify', fixture('waku1-statusgo.json')])
    expect(r.stdout).toBe('93 passed, 0 failed\n')
    expect(r.code).toBe(0)
    const j = JSON.parse((await run(['vectors', 'verify', fixture('waku1-statusgo.json'), '--json'])).stdout)
    expect(j.protocol).toBe('waku/0,waku/1')
    expect(j.results.find((x: { id: string }) => x.id === 'status-unknown-key[unknown-key-first waku/1]')).toEqual({ id: 'status-unknown-key[unknown-key-first waku/1]', ok: true })
  })

  it('reports a tampered Waku entry with its kind, name, protocol and reason', async () => {
    const j = JSON.parse(readFileSync(fixture('waku1-statusgo.json'), 'utf8'))
    const e = j.entries.find((x: { kind: string; name: string; protocol: string }) => x.kind === 'message-response' && x.name === 'one-error' && x.protocol === 'waku/1')
    e.fields.errors[0].code = 22
    const f = join(dir, 'tampered-waku.json')
    writeFileSync(f, JSON.stringify(j))
    const r = await run(['vectors', 'verify', f])
    expect(r.code).toBe(1)
    const out = lines(r.stdout)
    expect(out).toHaveLength(2)
    expect(out[0]).toMatch(/^FAIL message-response\[one-error waku\/1\]: encoding .* differs from vector .*; error 0 code 21 differs from vector 22$/)
    expect(out[1]).toBe('92 passed, 1 failed')
  })

  it("fails a wnode topic entry that holds something else than wnode's XOR fold, naming the derivation", async () => {
    const j = JSON.parse(readFileSync(fixture('shh6-geth.json'), 'utf8'))
    // the first 4 bytes of the PBKDF2 output, which the vector files held before they were corrected
    j.wnodeTopicFromPassword[0].topic = '24e6e07b'
    const f = join(dir, 'xor-wnode.json')
    writeFileSync(f, JSON.stringify(j))
    const r = await run(['vectors', 'verify', f])
    expect(r.code).toBe(1)
    const out = lines(r.stdout)
    expect(out[0]).toBe('FAIL wnodeTopicFromPassword[0]: topic 44c7429f (cmd/wnode: PBKDF2-SHA512(password, password, 4096, 128) XOR-folded into 4 bytes) differs from vector 24e6e07b')
    expect(out.at(-1)).toBe('55 passed, 1 failed')
  })

  it('reports a tampered envelope with its name and reason', async () => {
    const j = JSON.parse(readFileSync(fixture('shh5-geth.json'), 'utf8'))
    j.envelopes[3].payload = 'ff' + j.envelopes[3].payload.slice(2)
    j.envelopes[5].pow = j.envelopes[5].pow * 1.001
    const f = join(dir, 'tampered.json')
    writeFileSync(f, JSON.stringify(j))
    const r = await run(['vectors', 'verify', f])
    expect(r.code).toBe(1)
    const out = lines(r.stdout)
    expect(out).toHaveLength(3)
    expect(out[0]).toMatch(/^FAIL envelopes\[sym-password-b255-true\]: payload /)
    expect(out[1]).toMatch(/^FAIL envelopes\[sym-password-b1000-true\]: PoW .* differs from vector/)
    expect(out[2]).toBe('45 passed, 2 failed')
  })

  it('--json gives every result', async () => {
    const r = await run(['vectors', 'verify', fixture('shh6-geth.json'), '--json'])
    const j = JSON.parse(r.stdout)
    expect(j.protocol).toBe('shh/6')
    expect(j.passed + j.failed).toBe(j.results.length)
    expect(j.results.find((x: { id: string }) => x.id === 'envelopes[asym-b1000-true]')).toEqual({ id: 'envelopes[asym-b1000-true]', ok: true })
  })

  it('unreadable, non-JSON and non-vector files exit 2 with one line', async () => {
    expectUsageError(await run(['vectors', 'verify', join(dir, 'missing.json')]), /^p2pmessage: cannot read .*missing\.json: no such file$/)
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{"protocol": "shh/5", ')
    expectUsageError(await run(['vectors', 'verify', bad]), /not JSON/)
    const other = join(dir, 'other.json')
    writeFileSync(other, '{"protocol": "eth/66"}')
    expectUsageError(await run(['vectors', 'verify', other]), /not a whisper vector file: .* \(or a Waku file with "protocols" and "entries"\)$/)
    expectUsageError(await run(['vectors', 'verify', dir]), /^p2pmessage: cannot read .*: is a directory$/)
  })

  it('a vector file with no entries is an error, not a pass', async () => {
    const empty = join(dir, 'empty.json')
    writeFileSync(empty, '{"protocol": "shh/6", "envelopes": []}')
    expectUsageError(await run(['vectors', 'verify', empty]), /^p2pmessage: .*empty\.json: no entries \(a vector file lists envelopes, kdf, wnodeTopicFromPassword, status/)
    const emptyWaku = join(dir, 'empty-waku.json')
    const j = JSON.parse(readFileSync(fixture('waku1-statusgo.json'), 'utf8'))
    writeFileSync(emptyWaku, JSON.stringify({ ...j, entries: [] }))
    expectUsageError(await run(['vectors', 'verify', emptyWaku]), /^p2pmessage: .*empty-waku\.json: no entries \(.*a Waku file its entries\)$/)
    const r = await run(['vectors', 'verify', empty, '--json'])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
  })
})
