import { describe, expect, it } from 'vitest'
import { decodeFirstValue, type JsonValue } from '../../src/rpc/gojson.js'
import { decodeArg, GoPlainError, GoTypeError, T, type GoType } from '../../src/rpc/gotypes.js'
import { CRITERIA, NEW_MESSAGE } from '../../src/rpc/shh-api.js'

function json(text: string): JsonValue {
  const r = decodeFirstValue(text)
  if (!r.ok) throw new Error('bad test json')
  return r.value
}

const dec = (text: string, t: GoType): unknown => decodeArg(json(text), t)
function fail(text: string, t: GoType): string {
  try {
    dec(text, t)
  } catch (e) {
    expect(e instanceof GoTypeError || e instanceof GoPlainError).toBe(true)
    return (e as Error).message
  }
  throw new Error('decoded')
}

describe("gotypes: Go's encoding/json results and messages", () => {
  it('decodes the scalar argument types', () => {
    expect(dec('"abc"', T.string)).toBe('abc')
    expect(dec('4294967295', T.uint32)).toBe(4294967295)
    expect(dec('0.25', T.float64)).toBe(0.25)
    expect(dec('1e-400', T.float64)).toBe(0)
    expect(dec('true', T.bool)).toBe(true)
    expect(dec('"0x0102"', T.bytes)).toEqual(Uint8Array.of(1, 2))
    expect(dec('""', T.bytes)).toEqual(new Uint8Array(0))
    expect(dec('"0x01020304"', T.topic)).toEqual(Uint8Array.of(1, 2, 3, 4))
  })

  it('null leaves scalars at their zero value, but hexutil.Bytes refuses it', () => {
    expect(dec('null', T.string)).toBe('')
    expect(dec('null', T.uint32)).toBe(0)
    expect(dec('null', T.bool)).toBe(false)
    expect(fail('null', T.bytes)).toBe('json: cannot unmarshal non-string into Go value of type hexutil.Bytes')
  })

  it('type mismatches read as Go reports them', () => {
    expect(fail('5', T.string)).toBe('json: cannot unmarshal number into Go value of type string')
    expect(fail('5', T.rpcId)).toBe('json: cannot unmarshal number into Go value of type rpc.ID')
    expect(fail('"5"', T.uint32)).toBe('json: cannot unmarshal string into Go value of type uint32')
    expect(fail('-1', T.uint32)).toBe('json: cannot unmarshal number -1 into Go value of type uint32')
    expect(fail('1.5', T.uint32)).toBe('json: cannot unmarshal number 1.5 into Go value of type uint32')
    expect(fail('4294967296', T.uint32)).toBe('json: cannot unmarshal number 4294967296 into Go value of type uint32')
    expect(fail('1e400', T.float64)).toBe('json: cannot unmarshal number 1e400 into Go value of type float64')
    expect(fail('"x"', T.float64)).toBe('json: cannot unmarshal string into Go value of type float64')
    expect(fail('[]', T.bool)).toBe('json: cannot unmarshal array into Go value of type bool')
    expect(fail('{}', T.string)).toBe('json: cannot unmarshal object into Go value of type string')
    expect(fail('5', T.bytes)).toBe('json: cannot unmarshal non-string into Go value of type hexutil.Bytes')
    expect(fail('"abc"', T.bytes)).toBe('json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes')
    expect(fail('"0x1"', T.bytes)).toBe('json: cannot unmarshal hex string of odd length into Go value of type hexutil.Bytes')
    expect(fail('"0xzz"', T.bytes)).toBe('json: cannot unmarshal invalid hex string into Go value of type hexutil.Bytes')
    expect(fail('"0x12"', T.topic)).toBe('hex string has length 2, want 8 for Topic')
    expect(fail('5', T.topic)).toBe('json: cannot unmarshal number into Go value of type whisperv6.TopicType')
  })

  it('decodes the gencodec structs: optional fields, case-insensitive keys, unknown keys ignored', () => {
    const m = dec('{"SYMKEYID":"k","ttl":7,"topic":"0xdeadbeef","payload":"0x68","extra":[1,2],"sig":null}', NEW_MESSAGE) as Record<string, unknown>
    expect(m).toEqual({ symKeyID: 'k', ttl: 7, topic: Uint8Array.of(0xde, 0xad, 0xbe, 0xef), payload: Uint8Array.of(0x68), sig: undefined })
    expect(dec('null', NEW_MESSAGE)).toEqual({})
    const c = dec('{"topics":["0x01020304",null],"allowP2P":true}', CRITERIA) as Record<string, unknown>
    expect(c).toEqual({ topics: [Uint8Array.of(1, 2, 3, 4), new Uint8Array(4)], allowP2P: true })
  })

  it('struct errors name the struct field; the first mismatch wins unless an unmarshaler fails', () => {
    expect(fail('{"ttl":"x"}', NEW_MESSAGE)).toBe('json: cannot unmarshal string into Go struct field NewMessage.ttl of type uint32')
    expect(fail('{"ttl":"x","powTime":"y"}', NEW_MESSAGE)).toBe('json: cannot unmarshal string into Go struct field NewMessage.ttl of type uint32')
    expect(fail('{"ttl":"x","pubKey":"zz"}', NEW_MESSAGE)).toBe(
      'json: cannot unmarshal hex string without 0x prefix into Go struct field NewMessage.pubKey of type hexutil.Bytes',
    )
    expect(fail('{"topic":"0x12"}', NEW_MESSAGE)).toBe('hex string has length 2, want 8 for Topic')
    expect(fail('{"powTarget":"high"}', NEW_MESSAGE)).toBe('json: cannot unmarshal string into Go struct field NewMessage.powTarget of type float64')
    expect(fail('"x"', NEW_MESSAGE)).toBe('json: cannot unmarshal string into Go value of type whisperv6.NewMessage')
    expect(fail('[1]', CRITERIA)).toBe('json: cannot unmarshal array into Go value of type whisperv6.Criteria')
    expect(fail('{"topics":[5]}', CRITERIA)).toBe('json: cannot unmarshal number into Go struct field Criteria.topics of type whisperv6.TopicType')
    expect(fail('{"topics":"0x01020304"}', CRITERIA)).toBe(
      'json: cannot unmarshal string into Go struct field Criteria.topics of type []whisperv6.TopicType',
    )
    expect(fail('{"topics":["0x1234567"]}', CRITERIA)).toBe('hex string of odd length')
    expect(fail('{"allowP2P":1}', CRITERIA)).toBe('json: cannot unmarshal number into Go struct field Criteria.allowP2P of type bool')
  })
})
