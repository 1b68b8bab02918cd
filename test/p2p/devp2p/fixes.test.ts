import { RLP } from '@ethereumjs/rlp'
import { Peer } from '@ethereumjs/devp2p'
import * as snappy from 'snappyjs'
import { describe, expect, it } from 'vitest'
import { applyDevp2pFixes, decodeMessageCode } from '../../../src/p2p/devp2p/index.js'

describe('decodeMessageCode (RLP uint message codes, as geth reads them)', () => {
  it('decodes single-byte and two-byte codes', () => {
    expect(decodeMessageCode(Uint8Array.of(0x80, 0xaa))).toEqual([0, 1]) // hello/status 0 is RLP 0x80
    expect(decodeMessageCode(Uint8Array.of(0x00))).toEqual([0, 1])
    expect(decodeMessageCode(Uint8Array.of(0x10, 0xaa))).toEqual([16, 1])
    expect(decodeMessageCode(Uint8Array.of(0x7f))).toEqual([127, 1])
    expect(decodeMessageCode(Uint8Array.of(0x81, 0x80))).toEqual([128, 2])
    expect(decodeMessageCode(Uint8Array.of(0x81, 0x8f, 0xaa))).toEqual([143, 2]) // shh/6 p2p message at offset 16
    expect(decodeMessageCode(Uint8Array.of(0x82, 0x01, 0x00))).toEqual([256, 3])
  })
  it('refuses what geth refuses', () => {
    expect(decodeMessageCode(new Uint8Array(0))).toBeNull()
    expect(decodeMessageCode(Uint8Array.of(0x81, 0x05))).toBeNull() // non-canonical single byte
    expect(decodeMessageCode(Uint8Array.of(0x82, 0x00, 0x90))).toBeNull() // leading zero
    expect(decodeMessageCode(Uint8Array.of(0x81))).toBeNull() // truncated
    expect(decodeMessageCode(Uint8Array.of(0xc0))).toBeNull() // a list
  })
})

describe('DISCONNECT as geth sends it', () => {
  function fakePeer(protocolVersion: number | null) {
    const sent: [number, Uint8Array][] = []
    const socket = { ended: false, destroyed: false, end() { this.ended = true }, destroy() { this.destroyed = true }, once() {} }
    const self = {
      _closed: false,
      _socket: socket,
      _hello: protocolVersion === null ? null : { protocolVersion },
      _sendMessage(code: number, data: Uint8Array) {
        sent.push([code, data])
        return true
      },
    }
    return { self, sent, socket }
  }
  const sendDisconnect = () => {
    applyDevp2pFixes()
    return (Peer.prototype as unknown as { _sendDisconnect: (this: unknown, r: number) => void })._sendDisconnect
  }

  it('is [reason], snappy-compressed after a base protocol >= 5 hello, and ends the socket', () => {
    const { self, sent, socket } = fakePeer(5)
    sendDisconnect().call(self, 8)
    expect(sent).toHaveLength(1)
    expect(sent[0][0]).toBe(1)
    expect(RLP.decode(snappy.uncompress(sent[0][1]))).toEqual([Uint8Array.of(8)])
    expect(self._closed).toBe(true)
    expect(socket.ended).toBe(true)
    sendDisconnect().call(self, 8) // once only
    expect(sent).toHaveLength(1)
  })

  it('is uncompressed for base protocol 4 (geth 1.6) and before the hello', () => {
    for (const v of [4, null]) {
      const { self, sent } = fakePeer(v)
      sendDisconnect().call(self, 0x10)
      expect(RLP.decode(sent[0][1])).toEqual([Uint8Array.of(0x10)])
    }
  })
})
