// The offline commands through the real binary (node bin/p2pmessage), once each: their flag and error
// cases run main() in-process (keygen and secrets.test.ts, envelope.test.ts, vectors.test.ts,
// errors.test.ts); this proves the installed program runs them the same way.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, lines, ROOT, run } from './harness.js'
import { tempDirs } from '../support/temp-dirs.js'
import { nodeKeyFromPrivateKey } from '../../src/p2p/nodekey.js'
import { fromHex } from '../../src/whisper/bytes.js'

describe('the binary', () => {
  const dirs = tempDirs('p2pmessage-binary-', afterAll)
  let dir: string
  beforeAll(() => {
    ensureBuilt()
    dir = dirs.make()
  })

  it('keygen --out writes a key that enode reads', async () => {
    const file = join(dir, 'node.key')
    const k = await run(['keygen', '--out', file])
    expect(k.code, k.stderr).toBe(0)
    const priv = readFileSync(file, 'utf8').trim()
    expect(priv).toMatch(/^[0-9a-f]{64}$/)
    const e = await run(['enode', '--nodekey', file, '--listen', '127.0.0.1:30399'])
    expect(e.code, e.stderr).toBe(0)
    expect(e.stdout).toBe(`enode://${nodeKeyFromPrivateKey(fromHex(priv)).nodeId}@127.0.0.1:30399\n`)
  })

  it('envelope seal | envelope open', async () => {
    const s = await run(['envelope', 'seal', '--shh', '6', '--password', 'pw', '--payload', 'through the binary', '--pow', '0.01'])
    expect(s.code, s.stderr).toBe(0)
    const o = await run(['envelope', 'open', '--password', 'pw'], s.stdout)
    expect(o.code, o.stderr).toBe(0)
    expect(lines(o.stdout)[0]).toBe('payload: through the binary')
  })

  it('vectors verify', async () => {
    const r = await run(['vectors', 'verify', join(ROOT, 'fixtures', 'shh6-geth.json')])
    expect(r.stdout).toBe('56 passed, 0 failed\n')
    expect(r.code).toBe(0)
  })
})
