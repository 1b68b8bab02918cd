// JSON-RPC messages as geth v1.9.7 reads and writes them (rpc/json.go): one request as its
// jsonrpcMessage sees it, ids echoed byte for byte, answers written as text, and positional
// parameters decoded with Go's rules and messages.
import { encodeJson, type JsonValue } from './gojson.js'
import { decodeArg, isGoDecodeError, type GoType } from './gotypes.js'
import { invalidParams } from './errors.js'

/** One request as geth's jsonrpcMessage sees it after json.Unmarshal (type mismatches leave fields empty). */
export interface Message {
  /** compact JSON of "id" when present */
  id: string | undefined
  idValid: boolean
  method: string
  params: JsonValue | undefined
  hasError: boolean
  hasResult: boolean
}

const MESSAGE_FIELDS = ['jsonrpc', 'id', 'method', 'params', 'error', 'result'] as const

/** Go's compact() of a scalar: the source text, with Go's HTML-safe escapes inside strings. */
function rawJson(v: JsonValue): string {
  switch (v.kind) {
    case 'string':
      return v.raw.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    case 'number':
      return v.raw
    case 'bool':
      return v.value ? 'true' : 'false'
    case 'null':
      return 'null'
    default:
      return encodeJson(null) // arrays/objects are never valid ids; only presence matters
  }
}

export function toMessage(v: JsonValue): Message {
  const m: Message = { id: undefined, idValid: false, method: '', params: undefined, hasError: false, hasResult: false }
  if (v.kind !== 'object') return m
  for (const [key, val] of v.entries) {
    const name =
      MESSAGE_FIELDS.find((f) => f === key) ?? MESSAGE_FIELDS.find((f) => f.toLowerCase() === key.toLowerCase())
    switch (name) {
      case 'id':
        m.id = rawJson(val)
        m.idValid = val.kind !== 'object' && val.kind !== 'array'
        break
      case 'method':
        if (val.kind === 'string') m.method = val.value
        break
      case 'params':
        m.params = val
        break
      case 'error':
        m.hasError = val.kind !== 'null'
        break
      case 'result':
        m.hasResult = true
        break
      default:
        break
    }
  }
  return m
}

export const isNotification = (m: Message): boolean => m.id === undefined && m.method !== ''
export const isCall = (m: Message): boolean => m.idValid && m.method !== ''
export const isResponse = (m: Message): boolean => m.idValid && m.method === '' && m.params === undefined && (m.hasResult || m.hasError)
export const namespaceOf = (method: string): string => method.split('_', 1)[0]

export function errorText(id: string | undefined, code: number, message: string): string {
  return `{"jsonrpc":"2.0","id":${id ?? 'null'},"error":{"code":${code},"message":${encodeJson(message)}}}`
}

export function resultText(id: string | undefined, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${id ?? 'null'},"result":${result === undefined ? 'null' : encodeJson(result)}}`
}

/** geth's parsePositionalArguments. */
export function parsePositional(params: JsonValue | undefined, types: GoType[]): unknown[] {
  const args: unknown[] = []
  if (params !== undefined && params.kind !== 'null') {
    if (params.kind !== 'array') throw invalidParams('non-array args')
    for (let i = 0; i < params.items.length; i++) {
      if (i >= types.length) throw invalidParams(`too many arguments, want at most ${types.length}`)
      try {
        args.push(decodeArg(params.items[i], types[i]))
      } catch (e) {
        if (isGoDecodeError(e)) throw invalidParams(`invalid argument ${i}: ${e.message}`)
        throw e
      }
    }
  }
  if (args.length < types.length) throw invalidParams(`missing value for required argument ${args.length}`)
  return args
}
