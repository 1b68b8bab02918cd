import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { normalizeArgv } from '../../src/cli/argv.js'
import { CliError } from '../../src/cli/errors.js'
import { formatChatLine, formatLocalTime, sanitizeText, toJsonMessage, type ShownMessage } from '../../src/cli/format.js'
import { parseListen, parsePublicKey, parseShh, parseTopicArg, parseTtl, parseVerbosity, parseWork } from '../../src/cli/options.js'
import { generatePrivateKey, publicKeyOf } from '../../src/whisper/crypto.js'

describe('single-dash long options, as Go flag parsing accepts', () => {
  const program = new Command('p2pmessage')
  program.command('chat', { isDefault: true }).option('--topic <hex>').option('--password <pw>').option('--json')
  program.command('relay').option('--listen <hp>')
  const norm = (...args: string[]) => normalizeArgv(program, ['node', 'p2pmessage', ...args]).slice(2)

  it('doubles the dash of known long options, with or without =value', () => {
    expect(norm('-topic', 'ffff0000', '-password=7859931', '-json')).toEqual(['--topic', 'ffff0000', '--password=7859931', '--json'])
    expect(norm('relay', '-listen', '0.0.0.0:1')).toEqual(['relay', '--listen', '0.0.0.0:1'])
  })

  it('never rewrites option values, unknown flags, short flags or what follows --', () => {
    expect(norm('--password', '-topic')).toEqual(['--password', '-topic'])
    expect(norm('-password', '-json')).toEqual(['--password', '-json'])
    expect(norm('-h', '-bogus', '--', '-topic')).toEqual(['-h', '-bogus', '--', '-topic'])
  })
})

describe('flag values', () => {
  it('topic: 4 bytes as 8 hex digits', () => {
    expect(parseTopicArg('44c7429f')).toEqual(Uint8Array.of(0x44, 0xc7, 0x42, 0x9f))
    expect(parseTopicArg('0xFFFF0000')).toEqual(Uint8Array.of(0xff, 0xff, 0, 0))
    for (const bad of ['', 'ffff', 'ffff00000', 'gggggggg']) expect(() => parseTopicArg(bad)).toThrow(CliError)
  })

  it('listen address', () => {
    expect(parseListen('127.0.0.1:30303')).toEqual({ host: '127.0.0.1', port: 30303 })
    expect(parseListen(':0')).toEqual({ host: '0.0.0.0', port: 0 })
    expect(parseListen('30303')).toEqual({ host: '0.0.0.0', port: 30303 })
    expect(parseListen('[::1]:4000')).toEqual({ host: '::1', port: 4000 })
    for (const bad of ['host', '1.2.3.4:99999', '1.2.3.4:x', '::1:4000']) expect(() => parseListen(bad)).toThrow(CliError)
  })

  it('numbers and choices', () => {
    expect(parseShh('shh/6')).toBe(6)
    expect(parseShh('both')).toBe('both')
    expect(() => parseShh('4')).toThrow(/expected 5, 6 or both/)
    expect(parseVerbosity('0')).toBe(0)
    expect(() => parseVerbosity('6')).toThrow(CliError)
    expect(parseTtl('50')).toBe(50)
    expect(() => parseTtl('1.5')).toThrow(CliError)
    expect(() => parseWork('0')).toThrow(CliError)
  })

  it('public key for --to: 65 bytes, or 64 without the 04 prefix, on the curve', () => {
    const pub = publicKeyOf(generatePrivateKey())
    const hex = Buffer.from(pub).toString('hex')
    expect(parsePublicKey(hex)).toEqual(pub)
    expect(parsePublicKey(hex.slice(2))).toEqual(pub)
    expect(() => parsePublicKey('04' + '11'.repeat(64))).toThrow(/not a point on the secp256k1 curve/)
  })
})

describe('chat lines', () => {
  const msg = (over: Partial<ShownMessage> = {}): ShownMessage => ({
    shh: 6,
    topic: Uint8Array.of(0x44, 0xc7, 0x42, 0x9f),
    payload: new TextEncoder().encode('who am i'),
    address: Uint8Array.from(Buffer.from('182cbbaac94313b3b96b25d9c9a0a1adea4519e9', 'hex')),
    sent: new Date(2017, 8, 11, 11, 33, 10).getTime() / 1000,
    ttl: 50,
    pow: 0.2,
    hash: new Uint8Array(32),
    symmetric: true,
    ...over,
  })

  it('formats like the original client, in local time', () => {
    expect(formatLocalTime(new Date(2017, 8, 11, 11, 31, 18).getTime() / 1000)).toBe('2017-09-11 11:31:18')
    expect(formatChatLine(msg(), false)).toBe('2017-09-11 11:33:10 [182cbbaac94313b3b96b25d9c9a0a1adea4519e9]: who am i')
    expect(formatChatLine(msg(), true)).toBe('2017-09-11 11:33:10 <mine>: who am i')
    // unsigned: the original printed the zero address, which looks like a sender; JSON says null
    expect(formatChatLine(msg({ address: undefined }), false)).toBe('2017-09-11 11:33:10 [anonymous]: who am i')
    expect(toJsonMessage(msg({ address: undefined, src: undefined }), false)).toMatchObject({ from: null, publicKey: null })
  })

  it('marks a direct message (to our identity), received or our own', () => {
    expect(formatChatLine(msg({ symmetric: false }), false)).toBe('2017-09-11 11:33:10 [182cbbaac94313b3b96b25d9c9a0a1adea4519e9] (direct): who am i')
    expect(formatChatLine(msg({ symmetric: false }), true)).toBe('2017-09-11 11:33:10 <mine> (direct): who am i')
    expect(formatChatLine(msg({ symmetric: false, address: undefined }), false)).toBe('2017-09-11 11:33:10 [anonymous] (direct): who am i')
  })

  it('shows control characters from peers instead of letting them drive the terminal', () => {
    expect(sanitizeText('a\x1b[2Jb\tc\r\n')).toBe('a\\x1b[2Jb\tc\\x0d\\x0a')
    expect(formatChatLine(msg({ payload: new TextEncoder().encode('\x1b]0;pwned\x07') }), false)).toMatch(/\]: \\x1b\]0;pwned\\x07$/)
  })

  it('JSON keeps the raw text and says where it came from', () => {
    const j = toJsonMessage(msg({ symmetric: false }), false)
    expect(j).toMatchObject({ from: '182cbbaac94313b3b96b25d9c9a0a1adea4519e9', mine: false, direct: true, topic: '44c7429f', text: 'who am i', shh: 6 })
  })
})

describe('bidi controls in peer text (issue 10, finding 13)', () => {
  it('the terminal shows U+202E and the isolates escaped, other text as is', () => {
    expect(sanitizeText('invoice\u202Efdp.exe')).toBe('invoice\\u{202e}fdp.exe')
    expect(sanitizeText('a\u2066b\u2069 שלום')).toBe('a\\u{2066}b\\u{2069} שלום')
  })
})
