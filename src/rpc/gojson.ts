// JSON text the way Go's encoding/json reads and writes it, because geth's error messages and echoed
// ids come from there: syntax errors carry Go's scanner wording ("invalid character 'x' looking for
// beginning of value"), numbers keep their source text (geth echoes ids byte for byte and reports
// "cannot unmarshal number 1.5 into ..."), and the reader stops after the first value like
// json.Decoder, so trailing bytes are ignored as geth ignores them.
// The reader follows Go's scanner state machine (goscanner.ts).
import {
  ARRAY_VALUE,
  BEGIN_ARRAY,
  BEGIN_LITERAL,
  BEGIN_OBJECT,
  CONTINUE,
  END,
  END_ARRAY,
  END_OBJECT,
  ERROR,
  isSpace,
  JsonSyntaxError,
  OBJECT_KEY,
  OBJECT_VALUE,
  quoteChar,
  Scanner,
  SKIP_SPACE,
} from './goscanner.js'

export { JsonSyntaxError }

export type JsonValue =
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'number'; raw: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'array'; items: JsonValue[] }
  | { kind: 'object'; entries: [string, JsonValue][] }

export type DecodeResult =
  | { ok: true; value: JsonValue; end: number }
  /** 'eof': nothing but whitespace (Go's io.EOF); 'unexpected-eof': input ended inside a value (io.ErrUnexpectedEOF). */
  | { ok: false; error: JsonSyntaxError | 'eof' | 'unexpected-eof' }

/** Go's unquote of a validated string literal (with quotes): bad surrogates become U+FFFD like Go. */
function unquote(raw: string): string {
  const body = raw.slice(1, -1)
  if (!body.includes('\\')) return toWellFormed(body)
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch !== '\\') {
      out += ch
      continue
    }
    const e = body[++i]
    switch (e) {
      case 'b':
        out += '\b'
        break
      case 'f':
        out += '\f'
        break
      case 'n':
        out += '\n'
        break
      case 'r':
        out += '\r'
        break
      case 't':
        out += '\t'
        break
      case 'u': {
        const cu = parseInt(body.slice(i + 1, i + 5), 16)
        i += 4
        if (cu >= 0xd800 && cu < 0xdc00) {
          // Go pairs a high surrogate only with an immediately following escaped low surrogate
          if (body[i + 1] === '\\' && body[i + 2] === 'u') {
            const lo = parseInt(body.slice(i + 3, i + 7), 16)
            if (lo >= 0xdc00 && lo < 0xe000) {
              out += String.fromCharCode(cu, lo)
              i += 6
              break
            }
          }
          out += '\ufffd'
        } else if (cu >= 0xdc00 && cu < 0xe000) {
          out += '\ufffd'
        } else {
          out += String.fromCharCode(cu)
        }
        break
      }
      default:
        out += e // \\ \/ \"
    }
  }
  return toWellFormed(out)
}

/** Lone surrogates in the source text (from invalid UTF-8 decoding) read as U+FFFD, as Go does. */
function toWellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
}

type Frame = { kind: 'array'; items: JsonValue[] } | { kind: 'object'; entries: [string, JsonValue][]; key: string | null }

/**
 * Reads the first JSON value of `text` as Go's json.Decoder.Decode does (trailing bytes are left alone).
 * Never throws: malformed input comes back as a JsonSyntaxError with Go's message.
 */
export function decodeFirstValue(text: string): DecodeResult {
  const sc = new Scanner()
  const stack: Frame[] = []
  let litStart = -1
  let pending: JsonValue | null = null
  let top: JsonValue | null = null

  const closeLiteral = (end: number): void => {
    if (litStart < 0) return
    const raw = text.slice(litStart, end)
    litStart = -1
    const c = raw.charCodeAt(0)
    if (c === 0x22) pending = { kind: 'string', value: unquote(raw), raw }
    else if (c === 0x74) pending = { kind: 'bool', value: true }
    else if (c === 0x66) pending = { kind: 'bool', value: false }
    else if (c === 0x6e) pending = { kind: 'null' }
    else pending = { kind: 'number', raw }
  }
  const attach = (v: JsonValue): void => {
    const f = stack[stack.length - 1]
    if (!f) {
      top = v
      return
    }
    if (f.kind === 'array') f.items.push(v)
    else f.entries.push([f.key ?? '', v])
  }
  const flushPending = (): void => {
    if (pending) {
      attach(pending)
      pending = null
    }
  }

  let i = 0
  let sawNonSpace = false
  for (; i < text.length; i++) {
    let c = text.charCodeAt(i)
    if (c >= 0x80) {
      // Go scans UTF-8 bytes; outside strings only the first byte matters for the message
      c = c < 0x800 ? 0xc0 | (c >> 6) : c >= 0xd800 && c < 0xdc00 ? 0xf0 : 0xe0 | (c >> 12)
    }
    if (!isSpace(c)) sawNonSpace = true
    const op = sc.feed(c)
    if (op === CONTINUE) continue
    if (op !== BEGIN_LITERAL) closeLiteral(i)
    switch (op) {
      case BEGIN_LITERAL:
        litStart = i
        break
      case BEGIN_OBJECT:
        stack.push({ kind: 'object', entries: [], key: null })
        break
      case BEGIN_ARRAY:
        stack.push({ kind: 'array', items: [] })
        break
      case OBJECT_KEY: {
        const f = stack[stack.length - 1] as Extract<Frame, { kind: 'object' }>
        const k = pending as JsonValue | null
        f.key = k && k.kind === 'string' ? k.value : ''
        pending = null
        break
      }
      case OBJECT_VALUE:
      case ARRAY_VALUE:
        flushPending()
        break
      case END_OBJECT:
      case END_ARRAY: {
        flushPending()
        const f = stack.pop() as Frame
        const v: JsonValue = f.kind === 'array' ? { kind: 'array', items: f.items } : { kind: 'object', entries: f.entries }
        if (stack.length === 0) return { ok: true, value: v, end: i + 1 }
        attach(v)
        break
      }
      case SKIP_SPACE:
        break
      case END:
        flushPending()
        return { ok: true, value: top as unknown as JsonValue, end: i }
      case ERROR:
        return { ok: false, error: sc.err as JsonSyntaxError }
    }
  }
  // end of input: a top-level number/literal may end here
  if (!sawNonSpace) return { ok: false, error: 'eof' }
  if (sc.eof() === END) {
    closeLiteral(i)
    flushPending()
    return { ok: true, value: top as unknown as JsonValue, end: i }
  }
  return { ok: false, error: 'unexpected-eof' }
}

/** Reads a whole text as one JSON value, like json.Unmarshal (trailing non-space is an error). */
export function decodeWhole(text: string): { ok: true; value: JsonValue } | { ok: false; error: JsonSyntaxError } {
  const r = decodeFirstValue(text)
  if (!r.ok) {
    if (r.error instanceof JsonSyntaxError) return r as { ok: false; error: JsonSyntaxError }
    return { ok: false, error: new JsonSyntaxError('unexpected end of JSON input') }
  }
  for (let i = r.end; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (!isSpace(c)) return { ok: false, error: new JsonSyntaxError(`invalid character ${quoteChar(c < 0x80 ? c : 0xc3)} after top-level value`) }
  }
  return { ok: true, value: r.value }
}

/** A plain JS view of a JsonValue (numbers as JS numbers), for places that need no Go fidelity. */
export function toPlain(v: JsonValue): unknown {
  switch (v.kind) {
    case 'string':
      return v.value
    case 'number':
      return Number(v.raw)
    case 'bool':
      return v.value
    case 'null':
      return null
    case 'array':
      return v.items.map(toPlain)
    case 'object': {
      const o: Record<string, unknown> = {}
      for (const [k, x] of v.entries) o[k] = toPlain(x)
      return o
    }
  }
}

/**
 * JSON.stringify plus Go's default HTML-safe escaping (<, >, & and U+2028/U+2029 as \u escapes), so
 * responses are byte-identical to geth's for the same values.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
