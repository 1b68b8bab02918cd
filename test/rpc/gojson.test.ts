import { describe, expect, it } from 'vitest'
import { decodeFirstValue, decodeWhole, encodeJson, JsonSyntaxError, toPlain, type JsonValue } from '../../src/rpc/gojson.js'

function first(text: string): JsonValue {
  const r = decodeFirstValue(text)
  if (!r.ok) throw new Error(`did not parse: ${String(r.error)}`)
  return r.value
}

function syntaxError(text: string): string {
  const r = decodeWhole(text)
  if (r.ok) throw new Error('parsed')
  return r.error.message
}

describe('gojson: Go encoding/json reading', () => {
  it('reads values like JSON.parse for well-formed input', () => {
    const samples = ['{"a":[1,2.5,-3e2,{"b":null}],"c":"x\\u00e9\\n","d":true,"e":false}', '[]', '{}', '"\\ud83d\\ude00"', '0', '-0.5E+3']
    for (const s of samples) expect(toPlain(first(s))).toEqual(JSON.parse(s))
  })

  it('keeps the source text of numbers and strings (ids are echoed byte for byte)', () => {
    const v = first('{"id": 1.50, "big": 123456789012345678901234567890, "s": "a\\u0041"}')
    expect(v.kind).toBe('object')
    if (v.kind !== 'object') return
    expect(v.entries[0][1]).toEqual({ kind: 'number', raw: '1.50' })
    expect(v.entries[1][1]).toEqual({ kind: 'number', raw: '123456789012345678901234567890' })
    expect(v.entries[2][1]).toEqual({ kind: 'string', value: 'aA', raw: '"a\\u0041"' })
  })

  it("gives Go's scanner messages for syntax errors", () => {
    expect(syntaxError('x')).toBe("invalid character 'x' looking for beginning of value")
    expect(syntaxError('{"a" 1}')).toBe("invalid character '1' after object key")
    expect(syntaxError('{"a":1 "b":2}')).toBe(`invalid character '"' after object key:value pair`)
    expect(syntaxError('[1 2]')).toBe("invalid character '2' after array element")
    expect(syntaxError('{1:2}')).toBe("invalid character '1' looking for beginning of object key string")
    expect(syntaxError('"\\x"')).toBe("invalid character 'x' in string escape code")
    expect(syntaxError('"\\u12g4"')).toBe("invalid character 'g' in \\u hexadecimal character escape")
    expect(syntaxError('-a')).toBe("invalid character 'a' in numeric literal")
    expect(syntaxError('1.a')).toBe("invalid character 'a' after decimal point in numeric literal")
    expect(syntaxError('1ea')).toBe("invalid character 'a' in exponent of numeric literal")
    expect(syntaxError('tru ')).toBe("invalid character ' ' in literal true (expecting 'e')")
    expect(syntaxError('nax')).toBe("invalid character 'a' in literal null (expecting 'u')")
    expect(syntaxError('"a\u0001"')).toBe("invalid character '\\x01' in string literal")
    expect(syntaxError('"a\tb"')).toBe("invalid character '\\t' in string literal")
    expect(syntaxError("'a'")).toBe("invalid character '\\'' looking for beginning of value")
    expect(syntaxError('01')).toBe("invalid character '1' after top-level value")
    expect(syntaxError('{"a":1')).toBe('unexpected end of JSON input')
    expect(syntaxError('[1,]')).toBe("invalid character ']' looking for beginning of value")
  })

  it('stops after the first value like json.Decoder and reports EOF kinds', () => {
    expect(toPlain(first('{"a":1} trailing garbage'))).toEqual({ a: 1 })
    expect(toPlain(first('12 13'))).toBe(12)
    expect(decodeFirstValue('   \n')).toEqual({ ok: false, error: 'eof' })
    expect(decodeFirstValue('')).toEqual({ ok: false, error: 'eof' })
    expect(decodeFirstValue('{"a":')).toEqual({ ok: false, error: 'unexpected-eof' })
    expect(decodeFirstValue('tr')).toEqual({ ok: false, error: 'unexpected-eof' })
    const r = decodeFirstValue('{]')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toBeInstanceOf(JsonSyntaxError)
  })

  it('limits nesting to 10000 levels without recursion', () => {
    expect(first('['.repeat(10000) + ']'.repeat(10000)).kind).toBe('array')
    const r = decodeFirstValue('['.repeat(10001))
    expect(r.ok).toBe(false)
    if (!r.ok) expect((r.error as JsonSyntaxError).message).toBe("invalid character '[' exceeded max depth")
    // a deep object nest is fine too and takes no stack
    expect(first('{"a":'.repeat(5000) + '1' + '}'.repeat(5000)).kind).toBe('object')
  })

  it('reads bad surrogate escapes as U+FFFD like Go', () => {
    expect(toPlain(first('"\\ud800x"'))).toBe('\ufffdx')
    expect(toPlain(first('"\\udc00"'))).toBe('\ufffd')
  })

  it('writes with Go HTML-safe escapes', () => {
    expect(encodeJson({ m: "invalid character '<' x & y >" })).toBe('{"m":"invalid character \'\\u003c\' x \\u0026 y \\u003e"}')
  })
})
