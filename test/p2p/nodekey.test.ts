import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { loadNodeKey, loadOrCreateNodeKey, NodeKeyError, nodeIdOf, parseNodeKey, publicKeyOf } from '../../src/p2p/nodekey.js'

const dir = tempDirs('p2p-nodekey-', afterAll).make()

// Private key 1: its public key is the secp256k1 generator G.
const KEY1 = '0000000000000000000000000000000000000000000000000000000000000001'
const G_ID =
  '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798' +
  '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8'

describe('nodekey', () => {
  it('derives the public key and node id', () => {
    const k = parseNodeKey(KEY1)
    expect(nodeIdOf(k)).toBe(G_ID)
    expect(Buffer.from(publicKeyOf(k)).toString('hex')).toBe(`04${G_ID}`)
  })

  it('creates a key on first run (mode 0600, 64 hex chars, no newline) and loads it again', () => {
    const file = join(dir, 'sub', 'nodekey')
    const a = loadOrCreateNodeKey(file)
    expect(a.created).toBe(true)
    const text = readFileSync(file, 'latin1')
    expect(text).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const b = loadOrCreateNodeKey(file)
    expect(b.created).toBe(false)
    expect(b.nodeId).toBe(a.nodeId)
    expect(Buffer.from(b.privateKey).toString('hex')).toBe(text)
  })

  it('loads geth/wnode files, with a trailing newline or upper-case hex', () => {
    const f1 = join(dir, 'geth.key')
    writeFileSync(f1, `${KEY1}\n`)
    expect(loadOrCreateNodeKey(f1).nodeId).toBe(G_ID)
    const f2 = join(dir, 'upper.key')
    writeFileSync(f2, 'AB'.repeat(32) + '\r\n')
    expect(loadNodeKey(f2).privateKey).toEqual(new Uint8Array(32).fill(0xab))
  })

  const bad: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['newline only', '\n', /empty/],
    ['short', 'ab'.repeat(31), /62 hex characters, want 64/],
    ['long', 'ab'.repeat(33), /66 hex characters, want 64/],
    ['0x prefix', `0x${'ab'.repeat(31)}`, /not hex/],
    ['garbage after the key', `${KEY1}\nxyz`, /not hex/],
    ['binary', '\u0000\u0001\u0002', /not hex/],
    ['zero key', '00'.repeat(32), /not a valid secp256k1 private key/],
    ['key >= curve order', 'ff'.repeat(32), /not a valid secp256k1 private key/],
  ]
  for (const [name, content, msg] of bad) {
    it(`rejects a file that is ${name}`, () => {
      const f = join(dir, `bad-${name.replace(/\W/g, '_')}`)
      writeFileSync(f, content, 'latin1')
      expect(() => loadOrCreateNodeKey(f)).toThrow(NodeKeyError)
      expect(() => loadOrCreateNodeKey(f)).toThrow(msg)
      expect(() => loadOrCreateNodeKey(f)).toThrow(f) // names the file
      expect(readFileSync(f, 'latin1')).toBe(content) // never overwritten
    })
  }

  it('reports a directory and an unwritable location clearly', () => {
    const d = join(dir, 'adir')
    mkdirSync(d)
    expect(() => loadOrCreateNodeKey(d)).toThrow(/is a directory/)
    const parentIsFile = join(dir, 'geth.key', 'nodekey')
    expect(() => loadOrCreateNodeKey(parentIsFile)).toThrow(NodeKeyError)
  })

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file clearly', () => {
    const f = join(dir, 'unreadable.key')
    writeFileSync(f, KEY1)
    chmodSync(f, 0o000)
    expect(() => loadOrCreateNodeKey(f)).toThrow(/cannot read: permission denied/)
  })
})
