import { describe, it, expect } from 'vitest'
import { Logger, formatLine, formatTerminalLine, levelSink, normalizeVerbosity, LogLevel, short } from '../../src/log/log.js'

describe('Logger', () => {
  it('passes only levels up to the verbosity, in logfmt', () => {
    const lines: [number, string][] = []
    const log = new Logger({ verbosity: 3, sink: (l, m) => lines.push([l, m]) })
    log.error('e', { a: 1 })
    log.warn('w')
    log.info('i', { s: 'two words', b: new Uint8Array([0xab, 0x01]) })
    log.debug('d')
    log.trace('t')
    expect(lines).toEqual([[1, 'e a=1'], [2, 'w'], [3, 'i s="two words" b=ab01']])
  })

  it('verbosity 0 is silent, >5 is trace; children follow the parent and add a prefix', () => {
    expect(normalizeVerbosity(9)).toBe(5)
    expect(normalizeVerbosity(-1)).toBe(0)
    expect(normalizeVerbosity(undefined)).toBe(3)
    const lines: string[] = []
    const log = new Logger({ verbosity: 0, sink: (_l, m) => lines.push(m) })
    const child = log.child('[p2p] ')
    log.error('nothing')
    child.error('nothing')
    log.verbosity = LogLevel.debug
    child.debug('now')
    expect(lines).toEqual(['[p2p] now'])
  })

  it('a throwing sink does not throw into the caller', () => {
    const log = new Logger({ verbosity: 5, sink: () => { throw new Error('closed') } })
    expect(() => log.error('x')).not.toThrow()
    expect(formatLine('m')).toBe('m')
  })
})

describe('shared formats', () => {
  it('terminal lines are geth\'s, levelSink filters, short() is geth\'s 16-digit node id', () => {
    expect(formatTerminalLine(2, 'Peer dropped id=ab', new Date(2026, 10, 30, 9, 5, 7, 42))).toBe('WARN  [11-30|09:05:07.042] Peer dropped id=ab')
    expect(formatTerminalLine(9, 'x', new Date(2026, 0, 2, 3, 4, 5, 6))).toBe('TRACE [01-02|03:04:05.006] x')
    const got: [number, string][] = []
    const sink = levelSink(LogLevel.warn, (l, m) => got.push([l, m]))
    sink(LogLevel.error, 'e'); sink(LogLevel.warn, 'w'); sink(LogLevel.info, 'i'); sink(0, 'never')
    expect(got).toEqual([[1, 'e'], [2, 'w']])
    expect(short('a'.repeat(128))).toBe('a'.repeat(16))
    expect(short('abc')).toBe('abc')
    expect(formatLine('m', { shh: '5,6', addr: '[::1]:30303', s: '' })).toBe('m shh=5,6 addr=[::1]:30303 s=""')
  })
})
