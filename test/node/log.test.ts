import { describe, it, expect } from 'vitest'
import { Logger, formatLine, normalizeVerbosity, LogLevel } from '../../src/node/log.js'

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
