// Go's base64.StdEncoding, which encoding/json uses for a plain []byte field: the waku API of status-go
// v0.78.0 declares payload, padding, keys, signatures and hashes as []byte (no hexutil), so its JSON
// carries them in base64. Node's Buffer decoder is lenient (no padding needed, URL-safe letters taken,
// junk skipped); a client sending such text to statusd gets "illegal base64 data at input byte N", and
// must get the same here, at the same N. Ported from Go 1.19 encoding/base64 decodeQuantum (non-strict:
// \r and \n are skipped anywhere, unused trailing bits are ignored).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const PAD = 0x3d // '='
const DECODE = new Uint8Array(256).fill(0xff)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/** Go's base64.CorruptInputError. */
export class Base64Error extends Error {
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`)
    this.name = 'Base64Error'
  }
}

const isNewline = (c: number): boolean => c === 0x0a || c === 0x0d

/** base64.StdEncoding.EncodeToString. */
export function encodeGoBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
}

/** base64.StdEncoding.DecodeString over the UTF-8 bytes of `text`; throws Base64Error as Go does. */
export function decodeGoBase64(text: string): Uint8Array {
  const src = Buffer.from(text, 'utf8')
  const out: number[] = []
  let si = 0
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0]
    let dlen = 4
    let trailing: number | null = null
    let j = 0
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out)
        throw new Base64Error(si - j)
      }
      const c = src[si++]
      const v = DECODE[c]
      if (v !== 0xff) {
        dbuf[j] = v
        continue
      }
      if (isNewline(c)) {
        j--
        continue
      }
      if (c !== PAD) throw new Base64Error(si - 1)
      // padding: only after two or three symbols, and "==" after two
      if (j === 0 || j === 1) throw new Base64Error(si - 1)
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++
        if (si === src.length) throw new Base64Error(src.length)
        if (src[si] !== PAD) throw new Base64Error(si - 1)
        si++
      }
      while (si < src.length && isNewline(src[si])) si++
      if (si < src.length) trailing = si
      dlen = j
      break
    }
    const val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3]
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff]
    out.push(...bytes.slice(0, dlen - 1))
    if (trailing !== null) throw new Base64Error(trailing)
  }
  return Uint8Array.from(out)
}
