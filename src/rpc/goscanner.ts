// Go's encoding/json scanner (scanner.go), ported as its state machine, iterative, with Go's 10000
// nesting limit: it validates JSON byte by byte and words syntax errors as Go does ("invalid
// character 'x' looking for beginning of value"), because geth's parse error messages come from it.
// gojson.ts builds values from its opcodes.

/** Go's *json.SyntaxError (message only). */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'JsonSyntaxError'
  }
}

const MAX_NESTING_DEPTH = 10000

// scanner opcodes (Go's scan* constants)
export const CONTINUE = 0
export const BEGIN_LITERAL = 1
export const BEGIN_OBJECT = 2
export const OBJECT_KEY = 3
export const OBJECT_VALUE = 4
export const END_OBJECT = 5
export const BEGIN_ARRAY = 6
export const ARRAY_VALUE = 7
export const END_ARRAY = 8
export const SKIP_SPACE = 9
export const END = 10
export const ERROR = 11

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

export const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)

/** Go's quoteChar: how a byte is shown in a syntax error. */
export function quoteChar(c: number): string {
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

export class Scanner {
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
