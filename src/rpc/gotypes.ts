// Decoding JSON-RPC parameters into typed values with the results and error messages of Go's
// encoding/json (Go 1.13, which built geth v1.9.7) for the handful of Go types the shh/waku/admin/net
// APIs take: string, bool, uint32, float64, hexutil.Bytes, plain []byte (base64, the waku structs),
// TopicType, slices, and the request structs (NewMessage, Criteria) whose fields are all optional.
// Go quirks kept on purpose, since callers compare error strings with geth's:
//  - a type mismatch is remembered and decoding goes on; the FIRST mismatch is reported at the end,
//    unless a custom unmarshaler fails meanwhile, which aborts at once;
//  - object keys match field names exactly, else case-insensitively; unknown keys are ignored;
//  - null leaves a value untouched (zero), except where hexutil.Bytes' own UnmarshalJSON sees it.
import type { JsonValue } from './gojson.js'
import { Base64Error, decodeGoBase64 } from './gobase64.js'
import { HexError, unmarshalBytesText, unmarshalFixedText } from './hexutil.js'

export type GoType =
  | { kind: 'string'; name: string } // name: 'string' or a named string type such as 'rpc.ID'
  | { kind: 'bool' }
  | { kind: 'uint32' }
  | { kind: 'float64' }
  | { kind: 'bytes' } // hexutil.Bytes (a json.Unmarshaler)
  | { kind: 'byteSlice' } // a plain []byte: base64 text (gobase64.ts), or an array of uint8
  | { kind: 'uint8' }
  | { kind: 'fixed'; name: string; textName: string; size: number } // [N]byte with UnmarshalText (TopicType)
  | { kind: 'slice'; elem: GoType }
  | { kind: 'struct'; name: string; structName: string; fields: Record<string, GoType> } // gencodec struct

export const T = {
  string: { kind: 'string', name: 'string' } as GoType,
  rpcId: { kind: 'string', name: 'rpc.ID' } as GoType,
  bool: { kind: 'bool' } as GoType,
  uint32: { kind: 'uint32' } as GoType,
  uint8: { kind: 'uint8' } as GoType,
  float64: { kind: 'float64' } as GoType,
  bytes: { kind: 'bytes' } as GoType,
  byteSlice: { kind: 'byteSlice' } as GoType,
  topic: { kind: 'fixed', name: 'whisperv6.TopicType', textName: 'Topic', size: 4 } as GoType,
}

function goTypeName(t: GoType): string {
  switch (t.kind) {
    case 'string':
      return t.name
    case 'bool':
    case 'uint32':
    case 'uint8':
    case 'float64':
      return t.kind
    case 'bytes':
      return 'hexutil.Bytes'
    case 'byteSlice':
      return '[]uint8'
    case 'fixed':
    case 'struct':
      return t.name
    case 'slice':
      return '[]' + goTypeName(t.elem)
  }
}

/** Go's *json.UnmarshalTypeError. */
export class GoTypeError extends Error {
  constructor(
    readonly value: string,
    readonly typeName: string,
    readonly struct = '',
    readonly field = '',
  ) {
    super(
      struct !== '' || field !== ''
        ? `json: cannot unmarshal ${value} into Go struct field ${struct}.${field} of type ${typeName}`
        : `json: cannot unmarshal ${value} into Go value of type ${typeName}`,
    )
    this.name = 'GoTypeError'
  }
}

/** An error a custom unmarshaler returned as is (e.g. TopicType's "hex string has length 2, want 8 for Topic"). */
export class GoPlainError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GoPlainError'
  }
}

export type GoDecodeError = GoTypeError | GoPlainError

interface Ctx {
  struct: string
  field: string
}

class DecodeState {
  saved: GoDecodeError | null = null
  ctx: Ctx = { struct: '', field: '' }

  typeError(value: string, t: GoType): GoTypeError {
    return new GoTypeError(value, goTypeName(t), this.ctx.struct, this.ctx.field)
  }

  save(value: string, t: GoType): void {
    if (!this.saved) this.saved = this.typeError(value, t)
  }

  /** d.saveError of an error that is not a type mismatch (bad base64) */
  savePlain(message: string): void {
    if (!this.saved) this.saved = new GoPlainError(message)
  }
}

function literalName(v: JsonValue): string {
  switch (v.kind) {
    case 'string':
      return 'string'
    case 'number':
      return 'number'
    case 'bool':
      return 'bool'
    case 'null':
      return 'null'
    case 'array':
      return 'array'
    case 'object':
      return 'object'
  }
}

function zeroOf(t: GoType): unknown {
  switch (t.kind) {
    case 'string':
      return ''
    case 'bool':
      return false
    case 'uint32':
    case 'uint8':
    case 'float64':
      return 0
    case 'bytes':
      return new Uint8Array(0)
    case 'byteSlice':
      return null
    case 'fixed':
      return new Uint8Array(t.size)
    case 'slice':
      return null
    case 'struct':
      return {}
  }
}

const UINT_RE = /^[0-9]+$/

/**
 * Decodes into `t`. `optional` marks a gencodec pointer field, where null means "absent" (undefined).
 * Throws GoTypeError/GoPlainError for errors Go returns at once; records mismatches in `st.saved`.
 */
function decodeValue(st: DecodeState, v: JsonValue, t: GoType, optional: boolean): unknown {
  if (v.kind === 'null') {
    if (t.kind === 'bytes' && !optional) throw st.typeError('non-string', t) // Bytes.UnmarshalJSON("null")
    return optional ? undefined : zeroOf(t)
  }
  switch (t.kind) {
    case 'bytes': {
      if (v.kind !== 'string') throw st.typeError('non-string', t)
      try {
        return unmarshalBytesText(v.value)
      } catch (e) {
        if (e instanceof HexError) throw st.typeError(e.message, t)
        throw e
      }
    }
    case 'byteSlice': {
      if (v.kind === 'array') return Uint8Array.from(v.items.map((item) => decodeValue(st, item, T.uint8, false) as number))
      if (v.kind !== 'string') {
        st.save(literalName(v), t)
        return zeroOf(t)
      }
      try {
        return decodeGoBase64(v.value)
      } catch (e) {
        if (!(e instanceof Base64Error)) throw e
        st.savePlain(e.message)
        return zeroOf(t)
      }
    }
    case 'uint8':
    case 'uint32': {
      if (v.kind !== 'number') {
        st.save(literalName(v), t)
        return 0
      }
      const max = t.kind === 'uint8' ? 0xffn : 0xffffffffn
      if (!UINT_RE.test(v.raw) || v.raw.length > 20 || BigInt(v.raw) > max) {
        st.save('number ' + v.raw, t)
        return 0
      }
      return Number(v.raw)
    }
    case 'fixed': {
      if (v.kind !== 'string') {
        st.save(literalName(v), t)
        return zeroOf(t)
      }
      try {
        return unmarshalFixedText(t.textName, v.value, t.size)
      } catch (e) {
        if (e instanceof HexError) throw new GoPlainError(e.message)
        throw e
      }
    }
    case 'string':
      if (v.kind === 'string') return v.value
      st.save(literalName(v), t)
      return zeroOf(t)
    case 'bool':
      if (v.kind === 'bool') return v.value
      st.save(literalName(v), t)
      return zeroOf(t)
    case 'float64': {
      if (v.kind !== 'number') {
        st.save(literalName(v), t)
        return 0
      }
      const n = Number(v.raw)
      if (!Number.isFinite(n)) {
        st.save('number ' + v.raw, t)
        return 0
      }
      return n
    }
    case 'slice': {
      if (v.kind !== 'array') {
        st.save(literalName(v), t)
        return optional ? undefined : null
      }
      return v.items.map((item) => decodeValue(st, item, t.elem, false))
    }
    case 'struct':
      return decodeStruct(v, t)
  }
}

/** gencodec's UnmarshalJSON: a nested json.Unmarshal into a local struct of pointer fields. */
function decodeStruct(v: JsonValue, t: Extract<GoType, { kind: 'struct' }>): Record<string, unknown> {
  const st = new DecodeState()
  if (v.kind !== 'object') {
    if (v.kind === 'null') return {}
    throw new GoTypeError(literalName(v), t.name)
  }
  const names = Object.keys(t.fields)
  const out: Record<string, unknown> = {}
  for (const [key, val] of v.entries) {
    const name = names.find((n) => n === key) ?? names.find((n) => n.toLowerCase() === key.toLowerCase())
    if (name === undefined) continue
    const saved = st.ctx
    st.ctx = { struct: t.structName, field: name }
    out[name] = decodeValue(st, val, t.fields[name], true)
    st.ctx = saved
  }
  if (st.saved) throw st.saved
  return out
}

/** Decodes one positional argument; throws GoDecodeError with Go's message. */
export function decodeArg(v: JsonValue, t: GoType): unknown {
  const st = new DecodeState()
  const out = decodeValue(st, v, t, false)
  if (st.saved) throw st.saved
  return out
}

export function isGoDecodeError(e: unknown): e is GoDecodeError {
  return e instanceof GoTypeError || e instanceof GoPlainError
}
