import { describe, expect, it } from 'vitest'
import { decodeNodeRecord, encodeNodeRecord } from '../../src/rpc/enr.js'
import { formatEnodeUrl, parseNodeUrl } from '../../src/rpc/enode-url.js'
import { generatePrivateKey, publicKeyOf } from '../../src/whisper/crypto.js'
import { keccak256 } from '../../src/whisper/keccak.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

// EIP-778's example record (private key b71c71a6...)
const EIP778 =
  'enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8'

describe('node records (EIP-778 v4)', () => {
  it('decodes and verifies the EIP-778 example', () => {
    const r = decodeNodeRecord(EIP778)
    expect(r.seq).toBe(1n)
    expect(r.ip).toBe('127.0.0.1')
    expect(r.udp).toBe(30303)
    expect(hex(r.publicKey.subarray(1, 33))).toBe('ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138')
  })

  it('reproduces the EIP-778 example byte for byte from its key', () => {
    const priv = Uint8Array.from(Buffer.from('b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291', 'hex'))
    expect(encodeNodeRecord(priv, { seq: 1n, ip: '127.0.0.1', udp: 30303 })).toBe(EIP778)
  })

  it('round-trips our own records and rejects tampering', () => {
    const priv = generatePrivateKey()
    const text = encodeNodeRecord(priv, { seq: 5n, ip: '10.1.2.3', tcp: 30303, udp: 30301 })
    const r = decodeNodeRecord(text)
    expect(r).toEqual({ seq: 5n, publicKey: publicKeyOf(priv), ip: '10.1.2.3', tcp: 30303, udp: 30301 })
    const bin = Buffer.from(text.slice(4), 'base64url')
    bin[bin.length - 1] ^= 1
    expect(() => decodeNodeRecord('enr:' + bin.toString('base64url'))).toThrow('invalid signature')
    expect(() => decodeNodeRecord('enr:***')).toThrow('illegal base64 data')
    expect(() => decodeNodeRecord('enr:')).toThrow()
  })
})

describe("node URLs as geth's enode.Parse", () => {
  const priv = generatePrivateKey()
  const pub = publicKeyOf(priv).subarray(1)
  const id = hex(pub)

  it('complete, incomplete and enr forms', async () => {
    const n = await parseNodeUrl(`enode://${id}@127.0.0.1:30303?discport=30301`)
    expect(n).toEqual({ pubkey: pub, id: keccak256(pub), ip: '127.0.0.1', tcp: 30303, udp: 30301 })
    expect(formatEnodeUrl(n)).toBe(`enode://${id}@127.0.0.1:30303?discport=30301`)
    expect((await parseNodeUrl(`enode://${id.toUpperCase()}`)).pubkey).toEqual(pub)
    const fromEnr = await parseNodeUrl(encodeNodeRecord(priv, { seq: 1n, ip: '127.0.0.1', tcp: 1234, udp: 1234 }))
    expect(formatEnodeUrl(fromEnr)).toBe(`enode://${id}@127.0.0.1:1234`)
    expect((await parseNodeUrl(`enode://${id}@[::1]:30303`)).ip).toBe('::1')
  })

  it("errors read as geth's", async () => {
    const msg = async (u: string): Promise<string> => (await parseNodeUrl(u).then(() => 'ok', (e: Error) => e.message))
    expect(await msg('foo')).toBe("missing 'enr:' prefix for base64-encoded record")
    expect(await msg(`${id}@127.0.0.1:30303`)).toBe("missing 'enr:' prefix for base64-encoded record")
    expect(await msg('enode://abcd')).toBe('invalid public key (wrong length, want 128 hex chars)')
    expect(await msg('enode://abc')).toBe('invalid public key (encoding/hex: odd length hex string)')
    expect(await msg('enode://zz@127.0.0.1:1')).toBe("invalid public key (encoding/hex: invalid byte: U+007A 'z')")
    expect(await msg(`enode://${'00'.repeat(64)}@127.0.0.1:1`)).toBe('invalid public key (invalid secp256k1 public key)')
    expect(await msg('enode://127.0.0.1:30303')).toBe('does not contain node ID')
    expect(await msg(`enode://${id}@127.0.0.1`)).toBe('invalid port')
    expect(await msg(`enode://${id}@127.0.0.1:70000`)).toBe('invalid port')
    expect(await msg(`enode://${id}@127.0.0.1:1?discport=x`)).toBe('invalid discport in query')
    expect(await msg(`enode://${id}@:1`)).toBe('lookup : no such host')
  })
})
