import { describe, expect, it } from 'vitest'
import { EnodeError, formatEnode, nodeIdOf, parseEnode } from '../../src/p2p/enode.js'
import { MAINNET_BOOTNODES } from '../../src/p2p/bootnodes.js'

// a real secp256k1 point (the first v1.6.6 mainnet bootnode)
const ID =
  'a979fb575495b8d6db44f750317d0f4622bf4c2aa3365d6af7c284339968eef29b69ad0dce72a4d8db5ebb4968de0e3bec910127f134779fbcb0cb6d3331163c'

describe('parseEnode', () => {
  it('parses a complete IPv4 enode', () => {
    expect(parseEnode(`enode://${ID}@52.16.188.185:30303`)).toEqual({ id: ID, host: '52.16.188.185', port: 30303 })
  })

  it('parses discport only when it differs, IPv6 in brackets, upper-case hex', () => {
    expect(parseEnode(`enode://${ID}@10.3.58.6:30303?discport=30301`)).toEqual({
      id: ID,
      host: '10.3.58.6',
      port: 30303,
      discport: 30301,
    })
    expect(parseEnode(`enode://${ID}@10.3.58.6:30303?discport=30303`)).toEqual({ id: ID, host: '10.3.58.6', port: 30303 })
    expect(parseEnode(`enode://${ID.toUpperCase()}@[::1]:30303`)).toEqual({ id: ID, host: '::1', port: 30303 })
    expect(parseEnode(`  enode://${ID}@127.0.0.1:0\n`)).toEqual({ id: ID, host: '127.0.0.1', port: 0 })
  })

  it('round-trips through formatEnode', () => {
    for (const url of [
      `enode://${ID}@52.16.188.185:30303`,
      `enode://${ID}@10.3.58.6:30303?discport=30301`,
      `enode://${ID}@[2001:db8::7]:30303`,
      ...MAINNET_BOOTNODES,
    ]) {
      expect(formatEnode(parseEnode(url))).toBe(url)
    }
  })

  const bad: [string, RegExp][] = [
    ['', /missing scheme/],
    [`${ID}@1.2.3.4:30303`, /missing scheme/],
    [`http://${ID}@1.2.3.4:30303`, /invalid scheme "http"/],
    [`enode://${ID}`, /missing "@<ip>:<port>"/],
    ['enode://@1.2.3.4:30303', /missing node id/],
    [`enode://${ID.slice(2)}@1.2.3.4:30303`, /126 hex chars, want 128/],
    [`enode://${ID}00@1.2.3.4:30303`, /130 hex chars, want 128/],
    [`enode://${ID.slice(1)}x@1.2.3.4:30303`, /not hex/],
    [`enode://0x${ID.slice(2)}@1.2.3.4:30303`, /not hex/],
    [`enode://${'00'.repeat(64)}@1.2.3.4:30303`, /not a valid secp256k1 public key/],
    [`enode://${ID}@`, /missing "<ip>:<port>"/],
    [`enode://${ID}@1.2.3.4`, /missing port/],
    [`enode://${ID}@1.2.3.4:`, /missing port/],
    [`enode://${ID}@:30303`, /missing host/],
    [`enode://${ID}@example.com:30303`, /not an IP address/],
    [`enode://${ID}@1.2.3.256:30303`, /not an IP address/],
    [`enode://${ID}@::1:30303`, /IPv6 hosts must be written in brackets/],
    [`enode://${ID}@[::1:30303`, /unterminated/],
    [`enode://${ID}@[::1]30303`, /missing port/],
    [`enode://${ID}@[1.2.3.4]:30303`, /invalid IPv6/],
    [`enode://${ID}@1.2.3.4:65536`, /port 65536 out of range/],
    [`enode://${ID}@1.2.3.4:-1`, /port "-1" is not a number/],
    [`enode://${ID}@1.2.3.4:30x`, /port "30x" is not a number/],
    [`enode://${ID}@1.2.3.4:30303?discport=`, /empty discport/],
    [`enode://${ID}@1.2.3.4:30303?discport=abc`, /discport "abc" is not a number/],
    [`enode://${ID}@1.2.3.4:30303?discport=70000`, /discport 70000 out of range/],
  ]
  for (const [url, msg] of bad) {
    it(`rejects ${JSON.stringify(url.replace(ID, '<id>'))}`, () => {
      expect(() => parseEnode(url)).toThrow(EnodeError)
      expect(() => parseEnode(url)).toThrow(msg)
    })
  }

  it('rejects non-strings with an EnodeError', () => {
    expect(() => parseEnode(undefined as unknown as string)).toThrow(EnodeError)
  })
})

describe('nodeIdOf', () => {
  it('accepts a bare id or an enode', () => {
    expect(nodeIdOf(ID.toUpperCase())).toBe(ID)
    expect(nodeIdOf(`enode://${ID}@1.2.3.4:30303`)).toBe(ID)
    expect(() => nodeIdOf('abc')).toThrow(EnodeError)
  })
})

describe('MAINNET_BOOTNODES', () => {
  it('is the v1.6.6 params.MainnetBootnodes list (5 Go + 1 C++ nodes), all parseable', () => {
    expect(MAINNET_BOOTNODES).toHaveLength(6)
    expect(MAINNET_BOOTNODES.map((u) => parseEnode(u).host)).toEqual([
      '52.16.188.185',
      '13.93.211.84',
      '191.235.84.50',
      '13.75.154.138',
      '52.74.57.123',
      '5.1.83.226',
    ])
  })
})
