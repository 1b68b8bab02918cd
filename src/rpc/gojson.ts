// JSON text the way Go's encoding/json reads and writes it, because geth's error messages and echoed
// ids come from there: syntax errors carry Go's scanner wording ("invalid character 'x' looking for
// beginning of value"), numbers keep their source text (geth echoes ids byte for byte and reports
// "cannot unmarshal number 1.5 into ..."), and the reader stops after the first value like
// json.Decoder, so trailing bytes are ignored as geth ignores them.
// The reader is a port of Go's scanner state machine, iterative, with Go's 10000 nesting limit.

export type JsonValue =
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'number'; raw: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'array'; items: JsonValue[] }
  | { kind: 'object'; entries: [string, JsonValue][] }

/** Go's *json.SyntaxError (message only). */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'JsonSyntaxError'
  }
}

export type DecodeResult =
  | { ok: true; value: JsonValue; end: number }
  /** 'eof': nothing but whitespace (Go's io.EOF); 'unexpected-eof': input ended inside a value (io.ErrUnexpectedEOF). */
  | { ok: false; error: JsonSyntaxError | 'eof' | 'unexpected-eof' }

const MAX_NESTING_DEPTH = 10000

// scanner opcodes (Go's scan* constants)
const CONTINUE = 0
const BEGIN_LITERAL = 1
const BEGIN_OBJECT = 2
const OBJECT_KEY = 3
const OBJECT_VALUE = 4
const END_OBJECT = 5
const BEGIN_ARRAY = 6
const ARRAY_VALUE = 7
const END_ARRAY = 8
const SKIP_SPACE = 9
const END = 10
const ERROR = 11

// parse states
const P_OBJECT_KEY = 0
const P_OBJECT_VALUE = 1
const P_ARRAY_VALUE = 2

const enum S {
  BeginValue,
  BeginValueOrEmpty,
  BeginStringOrEmpty,
  BeginString,
  EndValue,
  EndTop,
  InString,
  InStringEsc,
  InStringEscU,
  InStringEscU1,
  InStringEscU12,
  InStringEscU123,
  Neg,
  One,
  Zero,
  Dot,
  Dot0,
  E,
  ESign,
  E0,
  T,
  Tr,
  Tru,
  F,
  Fa,
  Fal,
  Fals,
  N,
  Nu,
  Nul,
  Error,
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)

/** Go's quoteChar: how a byte is shown in a syntax error. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`
  if (c === 0x22) return `'"'`
  // strconv.Quote(string(rune(c))) without the double quotes
  if (c === 0x07) return `'\\a'`
  if (c === 0x08) return `'\\b'`
  if (c === 0x0c) return `'\\f'`
  if (c === 0x0a) return `'\\n'`
  if (c === 0x0d) return `'\\r'`
  if (c === 0x09) return `'\\t'`
  if (c === 0x0b) return `'\\v'`
  if (c === 0x5c) return `'\\\\'`
  const printable = (c >= 0x20 && c < 0x7f) || (c >= 0xa1 && c !== 0xad)
  if (printable) return `'${String.fromCharCode(c)}'`
  if (c < 0x80 && c !== 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`
  return `'\\u00${c.toString(16).padStart(2, '0')}'`
}

class Scanner {
  step: S = S.BeginValue
  endTop = false
  parseState: number[] = []
  err: JsonSyntaxError | null = null

  private error(c: number, context: string): number {
    this.step = S.Error
    this.err = new JsonSyntaxError(`invalid character ${quoteChar(c)} ${context}`)
    return ERROR
  }

  private push(c: number, state: number, ok: number): number {
    this.parseState.push(state)
    if (this.parseState.length <= MAX_NESTING_DEPTH) return ok
    return this.error(c, 'exceeded max depth')
  }

  private pop(): void {
    this.parseState.pop()
    if (this.parseState.length === 0) {
      this.step = S.EndTop
      this.endTop = true
    } else {
      this.step = S.EndValue
    }
  }

  /** Go's scanner.eof. */
  eof(): number {
    if (this.err) return ERROR
    if (this.endTop) return END
    this.feed(0x20)
    if (this.endTop) return END
    if (!this.err) this.err = new JsonSyntaxError('unexpected end of JSON input')
    return ERROR
  }

  feed(c: number): number {
    switch (this.step) {
      case S.BeginValueOrEmpty:
        if (isSpace(c)) return SKIP_SPACE
        if (c === 0x5d) return this.endValue(c)
        return this.beginValue(c)
      case S.BeginValue:
        return this.beginValue(c)
      case S.BeginStringOrEmpty:
        if (isSpace(c)) return SKIP_SPACE
        if (c === 0x7d) {
          this.parseState[this.parseState.length - 1] = P_OBJECT_VALUE
          return this.endValue(c)
        }
        return this.beginString(c)
      case S.BeginString:
        return this.beginString(c)
      case S.EndValue:
        return this.endValue(c)
      case S.EndTop:
        return this.endTopState(c)
      case S.InString:
        if (c === 0x22) {
          this.step = S.EndValue
          return CONTINUE
        }
        if (c === 0x5c) {
          this.step = S.InStringEsc
          return CONTINUE
        }
        if (c < 0x20) return this.error(c, 'in string literal')
        return CONTINUE
      case S.InStringEsc:
        if ('bfnrt\\/"'.includes(String.fromCharCode(c))) {
          this.step = S.InString
          return CONTINUE
        }
        if (c === 0x75) {
          this.step = S.InStringEscU
          return CONTINUE
        }
        return this.error(c, 'in string escape code')
      case S.InStringEscU:
      case S.InStringEscU1:
      case S.InStringEscU12:
      case S.InStringEscU123:
        if (isHex(c)) {
          this.step = this.step === S.InStringEscU123 ? S.InString : ((this.step + 1) as S)
          return CONTINUE
        }
        return this.error(c, 'in \\u hexadecimal character escape')
      case S.Neg:
        if (c === 0x30) {
          this.step = S.Zero
          return CONTINUE
        }
        if (c >= 0x31 && c <= 0x39) {
          this.step = S.One
          return CONTINUE
        }
        return this.error(c, 'in numeric literal')
      case S.One:
        if (isDigit(c)) return CONTINUE
        return this.zero(c)
      case S.Zero:
        return this.zero(c)
      case S.Dot:
        if (isDigit(c)) {
          this.step = S.Dot0
          return CONTINUE
        }
        return this.error(c, 'after decimal point in numeric literal')
      case S.Dot0:
        if (isDigit(c)) return CONTINUE
        if (c === 0x65 || c === 0x45) {
          this.step = S.E
          return CONTINUE
        }
        return this.endValue(c)
      case S.E:
        if (c === 0x2b || c === 0x2d) {
          this.step = S.ESign
          return CONTINUE
        }
        return this.eSign(c)
      case S.ESign:
        return this.eSign(c)
      case S.E0:
        if (isDigit(c)) return CONTINUE
        return this.endValue(c)
      case S.T:
        return this.literal(c, 0x72, S.Tr, "in literal true (expecting 'r')")
      case S.Tr:
        return this.literal(c, 0x75, S.Tru, "in literal true (expecting 'u')")
      case S.Tru:
        return this.literal(c, 0x65, S.EndValue, "in literal true (expecting 'e')")
      case S.F:
        return this.literal(c, 0x61, S.Fa, "in literal false (expecting 'a')")
      case S.Fa:
        return this.literal(c, 0x6c, S.Fal, "in literal false (expecting 'l')")
      case S.Fal:
        return this.literal(c, 0x73, S.Fals, "in literal false (expecting 's')")
      case S.Fals:
        return this.literal(c, 0x65, S.EndValue, "in literal false (expecting 'e')")
      case S.N:
        return this.literal(c, 0x75, S.Nu, "in literal null (expecting 'u')")
      case S.Nu:
        return this.literal(c, 0x6c, S.Nul, "in literal null (expecting 'l')")
      case S.Nul:
        return this.literal(c, 0x6c, S.EndValue, "in literal null (expecting 'l')")
      case S.Error:
        return ERROR
    }
  }

  private literal(c: number, want: number, next: S, context: string): number {
    if (c === want) {
      this.step = next
      return CONTINUE
    }
    return this.error(c, context)
  }

  private beginValue(c: number): number {
    if (isSpace(c)) return SKIP_SPACE
    switch (c) {
      case 0x7b:
        this.step = S.BeginStringOrEmpty
        return this.push(c, P_OBJECT_KEY, BEGIN_OBJECT)
      case 0x5b:
        this.step = S.BeginValueOrEmpty
        return this.push(c, P_ARRAY_VALUE, BEGIN_ARRAY)
      case 0x22:
        this.step = S.InString
        return BEGIN_LITERAL
      case 0x2d:
        this.step = S.Neg
        return BEGIN_LITERAL
      case 0x30:
        this.step = S.Zero
        return BEGIN_LITERAL
      case 0x74:
        this.step = S.T
        return BEGIN_LITERAL
      case 0x66:
        this.step = S.F
        return BEGIN_LITERAL
      case 0x6e:
        this.step = S.N
        return BEGIN_LITERAL
    }
    if (c >= 0x31 && c <= 0x39) {
      this.step = S.One
      return BEGIN_LITERAL
    }
    return this.error(c, 'looking for beginning of value')
  }

  private beginString(c: number): number {
    if (isSpace(c)) return SKIP_SPACE
    if (c === 0x22) {
      this.step = S.InString
      return BEGIN_LITERAL
    }
    return this.error(c, 'looking for beginning of object key string')
  }

  private zero(c: number): number {
    if (c === 0x2e) {
      this.step = S.Dot
      return CONTINUE
    }
    if (c === 0x65 || c === 0x45) {
      this.step = S.E
      return CONTINUE
    }
    return this.endValue(c)
  }

  private eSign(c: number): number {
    if (isDigit(c)) {
      this.step = S.E0
      return CONTINUE
    }
    return this.error(c, 'in exponent of numeric literal')
  }

  private endValue(c: number): number {
    const n = this.parseState.length
    if (n === 0) {
      this.step = S.EndTop
      this.endTop = true
      return this.endTopState(c)
    }
    if (isSpace(c)) {
      this.step = S.EndValue
      return SKIP_SPACE
    }
    switch (this.parseState[n - 1]) {
      case P_OBJECT_KEY:
        if (c === 0x3a) {
          this.parseState[n - 1] = P_OBJECT_VALUE
          this.step = S.BeginValue
          return OBJECT_KEY
        }
        return this.error(c, 'after object key')
      case P_OBJECT_VALUE:
        if (c === 0x2c) {
          this.parseState[n - 1] = P_OBJECT_KEY
          this.step = S.BeginString
          return OBJECT_VALUE
        }
        if (c === 0x7d) {
          this.pop()
          return END_OBJECT
        }
        return this.error(c, 'after object key:value pair')
      default:
        if (c === 0x2c) {
          this.step = S.BeginValue
          return ARRAY_VALUE
        }
        if (c === 0x5d) {
          this.pop()
          return END_ARRAY
        }
        return this.error(c, 'after array element')
    }
  }

  private endTopState(c: number): number {
    if (!isSpace(c)) this.error(c, 'after top-level value')
    return END
  }
}

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
