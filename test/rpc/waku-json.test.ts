// The waku namespace's request structs decoded as status-go v0.78.0 decodes them. Every expected
// value and message below was printed by json.Unmarshal into waku.NewMessage / waku.Criteria of
// status-go v0.78.0 itself (its vendor tree, Go 1.19), not derived from our code.
import { describe, expect, it } from 'vitest'
import { WAKU_FLAVOUR } from '../../src/rpc/api-flavour.js'
import { Base64Error, decodeGoBase64, encodeGoBase64 } from '../../src/rpc/gobase64.js'
import { decodeFirstValue, type JsonValue } from '../../src/rpc/gojson.js'
import { decodeArg, GoPlainError, GoTypeError, type GoType } from '../../src/rpc/gotypes.js'

function json(text: string): JsonValue {
  const r = decodeFirstValue(text)
  if (!r.ok) throw new Error('bad test json')
  return r.value
}

const dec = (text: string, t: GoType): Record<string, unknown> => decodeArg(json(text), t) as Record<string, unknown>
function fail(text: string, t: GoType): string {
  try {
    dec(text, t)
  } catch (e) {
    expect(e instanceof GoTypeError || e instanceof GoPlainError).toBe(true)
    return (e as Error).message
  }
  throw new Error('decoded')
}

const MSG = WAKU_FLAVOUR.newMessage
const CRIT = WAKU_FLAVOUR.criteria
const b64err = (s: string): string => {
  try {
    decodeGoBase64(s)
  } catch (e) {
    expect(e).toBeInstanceOf(Base64Error)
    return (e as Error).message
  }
  throw new Error('decoded')
}

describe("Go's base64.StdEncoding", () => {
  it('decodes padded text, skipping CR and LF anywhere, ignoring unused trailing bits', () => {
    expect(Buffer.from(decodeGoBase64('aGVsbG8=')).toString()).toBe('hello')
    expect(Buffer.from(decodeGoBase64('aGVs\nbG8=')).toString()).toBe('hello')
    expect(decodeGoBase64('YQ==\r\n')).toEqual(Uint8Array.of(0x61))
    expect(decodeGoBase64('YQ=\n=')).toEqual(Uint8Array.of(0x61))
    expect(decodeGoBase64('YR==')).toEqual(Uint8Array.of(0x61))
    expect(decodeGoBase64('')).toEqual(new Uint8Array(0))
  })

  it('a hex string is base64 too: "0x68656c6c6f" is 9 bytes, not "hello"', () => {
    expect(encodeGoBase64(decodeGoBase64('0x68656c6c6f'))).toBe('0x68656c6c6f')
    expect(decodeGoBase64('0x68656c6c6f').length).toBe(9)
  })

  it('refuses what Go refuses, at the byte Go names', () => {
    expect(b64err('aGVsbG8')).toBe('illegal base64 data at input byte 4')
    expect(b64err('aGV-bG8=')).toBe('illegal base64 data at input byte 3')
    expect(b64err('=aGk')).toBe('illegal base64 data at input byte 0')
    expect(b64err(' aGk=')).toBe('illegal base64 data at input byte 0')
    expect(b64err('YQ==YQ==')).toBe('illegal base64 data at input byte 4')
    expect(b64err('Y===')).toBe('illegal base64 data at input byte 1')
    expect(b64err('YQ=')).toBe('illegal base64 data at input byte 3')
    expect(b64err('é')).toBe('illegal base64 data at input byte 0')
    expect(b64err('a')).toBe('illegal base64 data at input byte 0')
  })

  it('encodes with padding, standard alphabet', () => {
    expect(encodeGoBase64(Uint8Array.of(1, 2))).toBe('AQI=')
    expect(encodeGoBase64(Uint8Array.of(0xfb, 0xff))).toBe('+/8=')
    expect(encodeGoBase64(new Uint8Array(0))).toBe('')
  })
})

describe('waku.NewMessage and waku.Criteria through encoding/json', () => {
  it('[]byte fields take base64 text or an array of numbers; null and "" are empty', () => {
    expect(dec('{"payload":"aGVsbG8="}', MSG).payload).toEqual(new TextEncoder().encode('hello'))
    expect(dec('{"PAYLOAD":"aGk="}', MSG).payload).toEqual(new TextEncoder().encode('hi'))
    expect(dec('{"payload":[104,105]}', MSG).payload).toEqual(Uint8Array.of(104, 105))
    expect(dec('{"payload":null}', MSG).payload).toBeUndefined()
    expect(dec('{"payload":""}', MSG).payload).toEqual(new Uint8Array(0))
    expect(dec('{"sig":"YQ==","topics":[null,"0x01020304"]}', CRIT)).toEqual({ sig: Uint8Array.of(0x61), topics: [new Uint8Array(4), Uint8Array.of(1, 2, 3, 4)] })
    expect(dec('{"topic":null}', MSG).topic).toBeUndefined()
    expect(dec('null', MSG)).toEqual({})
  })

  it("reports Go's messages: base64 and type errors are saved (first one wins), a topic's error at once", () => {
    expect(fail('{"payload":"aGVsbG8"}', MSG)).toBe('illegal base64 data at input byte 4')
    expect(fail('{"payload":123}', MSG)).toBe('json: cannot unmarshal number into Go struct field NewMessage.payload of type []uint8')
    expect(fail('{"payload":{}}', MSG)).toBe('json: cannot unmarshal object into Go struct field NewMessage.payload of type []uint8')
    expect(fail('{"payload":[300]}', MSG)).toBe('json: cannot unmarshal number 300 into Go struct field NewMessage.payload of type uint8')
    expect(fail('{"payload":[1e2]}', MSG)).toBe('json: cannot unmarshal number 1e2 into Go struct field NewMessage.payload of type uint8')
    expect(fail('{"sig":[1,"a",-1,1.5]}', CRIT)).toBe('json: cannot unmarshal string into Go struct field Criteria.sig of type uint8')
    expect(fail('{"payload":"a","ttl":"x"}', MSG)).toBe('illegal base64 data at input byte 0')
    expect(fail('{"ttl":"x","payload":"a"}', MSG)).toBe('json: cannot unmarshal string into Go struct field NewMessage.ttl of type uint32')
    expect(fail('{"ttl":"x","topic":"zz"}', MSG)).toBe('hex string without 0x prefix')
    expect(fail('{"ttl":-1}', MSG)).toBe('json: cannot unmarshal number -1 into Go struct field NewMessage.ttl of type uint32')
    expect(fail('{"topic":"0x1234"}', MSG)).toBe('hex string has length 4, want 8 for Topic')
    expect(fail('{"topic":5}', MSG)).toBe('json: cannot unmarshal number into Go struct field NewMessage.topic of type common.TopicType')
    expect(fail('{"topics":"x"}', CRIT)).toBe('json: cannot unmarshal string into Go struct field Criteria.topics of type []common.TopicType')
    expect(fail('{"topics":[5]}', CRIT)).toBe('json: cannot unmarshal number into Go struct field Criteria.topics of type common.TopicType')
    expect(fail('{"minPow":"x","topics":["0x1"]}', CRIT)).toBe('hex string of odd length')
    expect(fail('"x"', MSG)).toBe('json: cannot unmarshal string into Go value of type waku.NewMessage')
  })
})
