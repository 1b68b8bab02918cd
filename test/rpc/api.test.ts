// Every method of the shh / net / web3 / admin API over HTTP and over WebSocket, against a real
// WhisperNode peered with another over RLPx, checking result shapes and go-ethereum v1.9.7's
// error messages and codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeNodeRecord } from '../../src/rpc/enr.js'
import { publicKeyOf, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { keccak256 } from '../../src/whisper/keccak.js'
import { eventually, httpClient, startPair, WsRpcClient, type RpcClient, type RpcNode } from './harness.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const HEX_ID = /^[0-9a-f]{64}$/
const TOPIC = '0xdeadbeef'

describe.each(['http', 'ws'] as const)('JSON-RPC API over %s', (transport) => {
  let a: RpcNode
  let b: RpcNode
  let c: RpcClient
  const ok = async (method: string, params: unknown[] = []): Promise<any> => {
    const r = await c.call(method, params)
    if (r.error) throw new Error(`${method}: unexpected error ${JSON.stringify(r.error)}`)
    expect(r.jsonrpc).toBe('2.0')
    return r.result
  }
  const fail = async (method: string, params: unknown[] = []): Promise<{ code: number; message: string }> => {
    const r = await c.call(method, params)
    if (!r.error) throw new Error(`${method}: expected an error, got ${JSON.stringify(r.result)}`)
    expect(r).not.toHaveProperty('result')
    return r.error
  }
  const err = (message: string, code = -32000): { code: number; message: string } => ({ code, message })

  beforeAll(async () => {
    ;[a, b] = await startPair()
    c = transport === 'http' ? httpClient(a.url) : new WsRpcClient(a.wsUrl)
  })
  afterAll(async () => {
    await c?.close()
    await Promise.all([a?.close(), b?.close()])
  })

  it('shh_version, shh_info', async () => {
    expect(await ok('shh_version')).toBe('6.0')
    const info = await ok('shh_info')
    expect(Object.keys(info)).toEqual(['memory', 'messages', 'minPow', 'maxMessageSize', 'droppedMessages'])
    expect(info).toMatchObject({ minPow: 0.01, maxMessageSize: 1024 * 1024 })
    expect(Number.isInteger(info.memory) && Number.isInteger(info.messages)).toBe(true)
    expect(await fail('shh_version', [1])).toEqual(err('too many arguments, want at most 0', -32602))
  })

  it('shh_setMaxMessageSize', async () => {
    expect(await ok('shh_setMaxMessageSize', [2048])).toBe(true)
    expect((await ok('shh_info')).maxMessageSize).toBe(2048)
    expect(a.node.maxMessageSize).toBe(2048)
    expect(await fail('shh_setMaxMessageSize', [10 * 1024 * 1024 + 1])).toEqual(err('message size too large [10485761>10485760]'))
    expect(await fail('shh_setMaxMessageSize', ['big'])).toEqual(err('invalid argument 0: json: cannot unmarshal string into Go value of type uint32', -32602))
    expect(await fail('shh_setMaxMessageSize', [-1])).toEqual(err('invalid argument 0: json: cannot unmarshal number -1 into Go value of type uint32', -32602))
    expect(await fail('shh_setMaxMessageSize')).toEqual(err('missing value for required argument 0', -32602))
    expect(await ok('shh_setMaxMessageSize', [1024 * 1024])).toBe(true)
  })

  it('shh_setMinPoW', async () => {
    expect(await ok('shh_setMinPoW', [0.5])).toBe(true)
    expect((await ok('shh_info')).minPow).toBe(0.5)
    expect(a.node.minPow).toBe(0.5)
    expect(await fail('shh_setMinPoW', [-1])).toEqual(err('invalid PoW: -1.000000'))
    expect(await fail('shh_setMinPoW', ['0.1'])).toEqual(err('invalid argument 0: json: cannot unmarshal string into Go value of type float64', -32602))
    expect(await ok('shh_setMinPoW', [0.01])).toBe(true)
  })

  it('shh_setBloomFilter', async () => {
    const bloom = '0x' + '0f'.repeat(64)
    expect(await ok('shh_setBloomFilter', [bloom])).toBe(true)
    expect(hex(a.node.bloom!)).toBe(bloom.slice(2))
    expect(await fail('shh_setBloomFilter', ['0x00'])).toEqual(err('invalid bloom filter size: 1'))
    expect(await fail('shh_setBloomFilter', ['ff'])).toEqual(
      err('invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes', -32602),
    )
    expect(await fail('shh_setBloomFilter', [null])).toEqual(
      err('invalid argument 0: json: cannot unmarshal non-string into Go value of type hexutil.Bytes', -32602),
    )
    expect(await ok('shh_setBloomFilter', ['0x' + 'ff'.repeat(64)])).toBe(true)
    expect(a.node.bloom).toBeNull()
  })

  it('shh_markTrustedPeer', async () => {
    expect(await ok('shh_markTrustedPeer', [b.node.enode])).toBe(true)
    expect(a.node.peers()[0].trusted).toBe(true)
    const stranger = publicKeyOf(new Uint8Array(32).fill(3)).subarray(1)
    expect(await fail('shh_markTrustedPeer', [`enode://${hex(stranger)}@127.0.0.1:1`])).toEqual(
      err(`Could not find peer with ID: ${hex(keccak256(stranger))}`),
    )
    expect(await fail('shh_markTrustedPeer', ['nonsense'])).toEqual(err("missing 'enr:' prefix for base64-encoded record"))
    expect(await fail('shh_markTrustedPeer', ['enode://1234@127.0.0.1:1'])).toEqual(err('invalid public key (wrong length, want 128 hex chars)'))
  })

  it('key pairs: new, has, get public/private, delete, import', async () => {
    const id = await ok('shh_newKeyPair')
    expect(id).toMatch(HEX_ID)
    expect(await ok('shh_hasKeyPair', [id])).toBe(true)
    const priv = await ok('shh_getPrivateKey', [id])
    expect(priv).toMatch(/^0x[0-9a-f]{64}$/)
    const pub = await ok('shh_getPublicKey', [id])
    expect(pub).toBe('0x' + hex(publicKeyOf(Buffer.from(priv.slice(2), 'hex'))))
    expect(await ok('shh_deleteKeyPair', [id])).toBe(true)
    expect(await fail('shh_deleteKeyPair', [id])).toEqual(err(`key pair ${id} not found`))
    expect(await ok('shh_hasKeyPair', [id])).toBe(false)
    expect(await fail('shh_getPublicKey', [id])).toEqual(err('invalid id'))
    expect(await fail('shh_getPrivateKey', ['x'])).toEqual(err('invalid id'))

    const imported = await ok('shh_addPrivateKey', [priv])
    expect(imported).toMatch(HEX_ID)
    expect(imported).not.toBe(id)
    expect(await ok('shh_getPrivateKey', [imported])).toBe(priv)
    expect(await fail('shh_addPrivateKey', ['0x01'])).toEqual(err('invalid length, need 256 bits'))
    expect(await fail('shh_addPrivateKey', ['0x' + '00'.repeat(32)])).toEqual(err('invalid private key, zero or negative'))
    expect(await fail('shh_addPrivateKey', ['0x' + 'ff'.repeat(32)])).toEqual(err('invalid private key, >=N'))
    expect(await fail('shh_hasKeyPair', [1])).toEqual(err('invalid argument 0: json: cannot unmarshal number into Go value of type string', -32602))
  })

  it('symmetric keys: new, add, from password, has, get, delete', async () => {
    const id = await ok('shh_newSymKey')
    expect(id).toMatch(HEX_ID)
    expect(await ok('shh_hasSymKey', [id])).toBe(true)
    expect(await ok('shh_getSymKey', [id])).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await ok('shh_deleteSymKey', [id])).toBe(true)
    expect(await ok('shh_deleteSymKey', [id])).toBe(false)
    expect(await ok('shh_hasSymKey', [id])).toBe(false)
    expect(await fail('shh_getSymKey', [id])).toEqual(err('non-existent key ID'))

    const raw = '0x' + '42'.repeat(32)
    const added = await ok('shh_addSymKey', [raw])
    expect(await ok('shh_getSymKey', [added])).toBe(raw)
    expect(await fail('shh_addSymKey', ['0x0102'])).toEqual(err('wrong key size: 2'))
    expect(await fail('shh_addSymKey', ['0x123'])).toEqual(
      err('invalid argument 0: json: cannot unmarshal hex string of odd length into Go value of type hexutil.Bytes', -32602),
    )

    const pw = await ok('shh_generateSymKeyFromPassword', ['123456'])
    expect(await ok('shh_getSymKey', [pw])).toBe('0x' + hex(symKeyFromPassword('123456')))
    expect(await fail('shh_generateSymKeyFromPassword', [123456])).toEqual(
      err('invalid argument 0: json: cannot unmarshal number into Go value of type string', -32602),
    )
  })

  it('light client mode', async () => {
    expect(await ok('shh_makeLightClient')).toBe(true)
    expect(a.node.lightNode).toBe(true)
    expect(await ok('shh_cancelLightClient')).toBe(true)
    expect(a.node.lightNode).toBe(false)
  })

  it('shh_post: geth errors in geth order', async () => {
    const sym = await ok('shh_newSymKey')
    const zero = await ok('shh_addSymKey', ['0x' + '00'.repeat(32)])
    const kp = await ok('shh_newKeyPair')
    const pub = await ok('shh_getPublicKey', [kp])
    const base = { symKeyID: sym, topic: TOPIC, payload: '0x68656c6c6f', powTarget: 0.01, powTime: 2 }
    expect(await fail('shh_post', [{}])).toEqual(err('specify either a symmetric or an asymmetric key'))
    expect(await fail('shh_post', [{ ...base, pubKey: pub }])).toEqual(err('specify either a symmetric or an asymmetric key'))
    expect(await fail('shh_post', [{ ...base, topic: undefined }])).toEqual(err('missing topic(s)'))
    expect(await fail('shh_post', [{ ...base, symKeyID: 'nope' }])).toEqual(err('non-existent key ID'))
    expect(await fail('shh_post', [{ ...base, symKeyID: zero }])).toEqual(err('invalid symmetric key'))
    expect(await fail('shh_post', [{ ...base, sig: 'nope' }])).toEqual(err('invalid id'))
    expect(await fail('shh_post', [{ pubKey: '0x0412', payload: '0x01', powTarget: 0.01 }])).toEqual(err('invalid public key'))
    expect(await fail('shh_post', [{ ...base, powTarget: 0 }])).toEqual(err('message rejected, PoW too low'))
    expect(await fail('shh_post', [{ ...base, targetPeer: 'nonsense' }])).toEqual(
      err("failed to parse target peer: missing 'enr:' prefix for base64-encoded record"),
    )
    expect(await fail('shh_post', [{ ...base, ttl: 'long' }])).toEqual(
      err('invalid argument 0: json: cannot unmarshal string into Go struct field NewMessage.ttl of type uint32', -32602),
    )
    expect(await fail('shh_post', [{ ...base, topic: '0x1234' }])).toEqual(err('invalid argument 0: hex string has length 4, want 8 for Topic', -32602))
    expect(await fail('shh_post', [{ ...base, payload: 'hello' }])).toEqual(
      err('invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go struct field NewMessage.payload of type hexutil.Bytes', -32602),
    )
    expect(await fail('shh_post', ['x'])).toEqual(err('invalid argument 0: json: cannot unmarshal string into Go value of type whisperv6.NewMessage', -32602))
    // the node's own add() checks, in geth's words
    expect(await ok('shh_setMaxMessageSize', [100])).toBe(true)
    const huge = await fail('shh_post', [{ ...base, payload: '0x' + '00'.repeat(300), padding: '0x01' }])
    expect(huge.code).toBe(-32000)
    expect(huge.message).toMatch(/^huge messages are not allowed \[[0-9a-f]{64}\]$/)
    expect(await ok('shh_setMaxMessageSize', [1024 * 1024])).toBe(true)
  })

  it('filters: create, poll (own posts arrive, message shape), delete, errors', async () => {
    const sym = await ok('shh_generateSymKeyFromPassword', ['filter room'])
    const signer = await ok('shh_newKeyPair')
    const signerPub = await ok('shh_getPublicKey', [signer])
    expect(await fail('shh_newMessageFilter', [{}])).toEqual(err('specify either a symmetric or an asymmetric key'))
    expect(await fail('shh_newMessageFilter', [{ symKeyID: sym, privateKeyID: signer }])).toEqual(err('specify either a symmetric or an asymmetric key'))
    expect(await fail('shh_newMessageFilter', [{ symKeyID: sym, sig: '0x1234' }])).toEqual(err('invalid signing public key'))
    expect(await fail('shh_newMessageFilter', [{ symKeyID: 'nope' }])).toEqual(err('non-existent key ID'))
    expect(await fail('shh_newMessageFilter', [{ privateKeyID: 'nope' }])).toEqual(err('invalid id'))
    expect(await fail('shh_newMessageFilter', [{ symKeyID: sym, topics: ['0xdead'] }])).toEqual(err('invalid argument 0: hex string has length 4, want 8 for Topic', -32602))
    expect(await fail('shh_newMessageFilter', [{ symKeyID: sym, minPow: 'x' }])).toEqual(
      err('invalid argument 0: json: cannot unmarshal string into Go struct field Criteria.minPow of type float64', -32602),
    )

    const fid = await ok('shh_newMessageFilter', [{ symKeyID: sym, topics: [TOPIC], sig: signerPub }])
    expect(fid).toMatch(HEX_ID)
    expect(await ok('shh_getFilterMessages', [fid])).toEqual([])
    const hash = await ok('shh_post', [{ symKeyID: sym, sig: signer, ttl: 60, topic: TOPIC, payload: '0x6869', padding: '0x0102', powTarget: 0.01, powTime: 2 }])
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    const msgs = await eventually(async () => {
      const m = await ok('shh_getFilterMessages', [fid])
      return m.length > 0 ? m : undefined
    })
    expect(msgs).toHaveLength(1)
    const m = msgs[0]
    expect(Object.keys(m)).toEqual(['sig', 'ttl', 'timestamp', 'topic', 'payload', 'padding', 'pow', 'hash'])
    expect(m).toMatchObject({ sig: signerPub, ttl: 60, topic: TOPIC, payload: '0x6869', padding: '0x0102', hash })
    expect(Math.abs(m.timestamp - Date.now() / 1000)).toBeLessThan(120)
    expect(m.pow).toBeGreaterThan(0)
    expect(await ok('shh_getFilterMessages', [fid])).toEqual([])

    expect(await ok('shh_deleteMessageFilter', [fid])).toBe(true)
    expect(await fail('shh_deleteMessageFilter', [fid])).toEqual(err('Unsubscribe: Invalid ID'))
    expect(await fail('shh_getFilterMessages', [fid])).toEqual(err('filter not found'))
  })

  it('asymmetric filter: recipientPublicKey, unsigned message has no sig', async () => {
    const kp = await ok('shh_newKeyPair')
    const pub = await ok('shh_getPublicKey', [kp])
    const fid = await ok('shh_newMessageFilter', [{ privateKeyID: kp }])
    const hash = await ok('shh_post', [{ pubKey: pub, topic: '0x01020304', payload: '0xff', powTarget: 0.01, powTime: 2 }])
    const [m] = await eventually(async () => {
      const r = await ok('shh_getFilterMessages', [fid])
      return r.length > 0 ? r : undefined
    })
    expect(Object.keys(m)).toEqual(['ttl', 'timestamp', 'topic', 'payload', 'padding', 'pow', 'hash', 'recipientPublicKey'])
    expect(m).toMatchObject({ ttl: 50, topic: '0x01020304', payload: '0xff', hash, recipientPublicKey: pub })
    await ok('shh_deleteMessageFilter', [fid])
  })

  it('shh_subscribe / shh_unsubscribe', async () => {
    const sym = await ok('shh_newSymKey')
    if (transport === 'http') {
      expect(await fail('shh_subscribe', ['messages', { symKeyID: sym, topics: [TOPIC] }])).toEqual(err('notifications not supported'))
      expect(await fail('shh_unsubscribe', ['0x1'])).toEqual(err('subscription not found'))
      return
    }
    expect(await fail('shh_subscribe', ['messages', { symKeyID: sym }])).toEqual(err('missing topic(s)'))
    expect(await fail('shh_subscribe', ['messages', { privateKeyID: 'nope' }])).toEqual(err('invalid public key'))
    expect(await fail('shh_subscribe', ['messages', {}])).toEqual(err('specify either a symmetric or an asymmetric key'))
    expect(await fail('shh_subscribe', ['nosuch'])).toEqual(err('no "nosuch" subscription in shh namespace', -32601))
    expect(await fail('shh_subscribe', ['messages'])).toEqual(err('missing value for required argument 1', -32602))
    expect(await fail('shh_subscribe', ['messages', null])).toEqual(err('specify either a symmetric or an asymmetric key'))
    const sub = await ok('shh_subscribe', ['messages', { symKeyID: sym, topics: [TOPIC] }])
    expect(sub).toMatch(/^0x[0-9a-f]{1,32}$/)
    const hash = await ok('shh_post', [{ symKeyID: sym, topic: TOPIC, payload: '0x01', powTarget: 0.01, powTime: 2 }])
    const n = await (c as WsRpcClient).notification((x) => x.subscription === sub)
    expect(n.result).toMatchObject({ topic: TOPIC, payload: '0x01', hash })
    expect(n.result).not.toHaveProperty('sig')
    expect(await ok('shh_unsubscribe', [sub])).toBe(true)
    expect(await fail('shh_unsubscribe', [sub])).toEqual(err('subscription not found'))
  })

  it('net_ and web3_', async () => {
    expect(await ok('net_version')).toBe('1')
    expect(await ok('net_peerCount')).toBe('0x1')
    expect(await ok('net_listening')).toBe(true)
    expect(await ok('web3_clientVersion')).toBe('p2pmessage-test/v0')
    expect(await ok('web3_sha3', ['0x68656c6c6f'])).toBe('0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8')
    expect(await fail('web3_sha3', ['hello'])).toEqual(
      err('invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes', -32602),
    )
    expect(await ok('rpc_modules')).toEqual({ admin: '1.0', net: '1.0', rpc: '1.0', shh: '1.0', web3: '1.0' })
  })

  it('admin_nodeInfo, admin_peers, admin_addPeer', async () => {
    const info = await ok('admin_nodeInfo')
    expect(Object.keys(info)).toEqual(['id', 'name', 'enode', 'enr', 'ip', 'ports', 'listenAddr', 'protocols'])
    const pub = a.node.publicKey.subarray(1)
    expect(info.id).toBe(hex(keccak256(pub)))
    expect(info.enode).toBe(a.node.enode)
    expect(info.ip).toBe('127.0.0.1')
    expect(info.ports).toEqual({ discovery: a.node.info().listening!.port, listener: a.node.info().listening!.port })
    expect(info.listenAddr).toBe(`127.0.0.1:${a.node.info().listening!.port}`)
    expect(info.protocols).toEqual({ shh: { maxMessageSize: 1048576, minimumPoW: 0.01, version: '6.0' } })
    const rec = decodeNodeRecord(info.enr)
    expect(rec.publicKey).toEqual(a.node.publicKey)
    expect(rec.tcp).toBe(info.ports.listener)

    const peers = await ok('admin_peers')
    expect(peers).toHaveLength(1)
    const p = peers[0]
    expect(Object.keys(p)).toEqual(['enode', 'id', 'name', 'caps', 'network', 'protocols'])
    const bPub = b.node.publicKey.subarray(1)
    expect(p.id).toBe(hex(keccak256(bPub)))
    expect(p.enode).toMatch(new RegExp(`^enode://${hex(bPub)}@127\\.0\\.0\\.1:\\d+$`))
    expect(p.caps).toEqual(['shh/6'])
    expect(Object.keys(p.network)).toEqual(['localAddress', 'remoteAddress', 'inbound', 'trusted', 'static'])
    expect(p.network).toMatchObject({ inbound: true, static: false })
    expect(p.network.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(p.protocols).toEqual({ shh: 'unknown' })

    expect(await fail('admin_addPeer', ['nonsense'])).toEqual(err("invalid enode: missing 'enr:' prefix for base64-encoded record"))
    expect(await fail('admin_addPeer', ['enode://00@127.0.0.1:1'])).toEqual(err('invalid enode: invalid public key (wrong length, want 128 hex chars)'))
    expect(await ok('admin_addPeer', [b.node.enode])).toBe(true)
    expect(await ok('admin_removePeer', [`enode://${hex(publicKeyOf(new Uint8Array(32).fill(5)).subarray(1))}@127.0.0.1:9`])).toBe(true)
  })

  it('unknown methods and malformed requests', async () => {
    expect(await fail('shh_nosuch')).toEqual(err('the method shh_nosuch does not exist/is not available', -32601))
    expect(await fail('eth_blockNumber')).toEqual(err('the method eth_blockNumber does not exist/is not available', -32601))
  })
})
