import { describe, expect, it } from 'vitest'
import { noPeerYetMessage, unreachableMessage } from '../../src/cli/network.js'
import type { DialTargetStatus } from '../../src/node/index.js'

const target = (kind: DialTargetStatus['kind'], failure?: DialTargetStatus['failure'], connected = false): DialTargetStatus => ({
  id: 'ab'.repeat(64), host: '127.0.0.1', port: 30303, kind, connected, ...(failure ? { failure, lastError: failure } : {}),
})

describe('No peer yet (issue 20, item 1)', () => {
  it('says what the dials got so far, counted per kind in the words of the closing line', () => {
    const targets = [
      target('bootnode', 'network unreachable'), target('bootnode', 'timed out'), target('bootnode', 'network unreachable'),
      target('bootnode'), target('bootnode', 'connection refused'), target('bootnode', 'network unreachable'),
    ]
    expect(noPeerYetMessage(targets, { statics: 0, bootnodes: 6 }, 'mainnet', 30))
      .toBe('No peer yet: dialling 6 mainnet bootnodes (so far: 3 network unreachable, 1 timed out, 1 connection refused); giving up after 30 s')
    // the same counts as the line it ends with
    expect(unreachableMessage(targets, 30)).toContain('(6 tried: 3 network unreachable, 1 timed out, 1 connection refused; ')
  })

  it('says nothing of failures before any dial failed, and counts a failed --enode peer too', () => {
    expect(noPeerYetMessage([target('bootnode'), target('bootnode')], { statics: 0, bootnodes: 2 }, 'enode://a,enode://b', 6))
      .toBe('No peer yet: dialling 2 bootnodes; giving up after 6 s')
    expect(noPeerYetMessage([target('static', 'connection refused'), target('bootnode', 'connection refused', true)],
      { statics: 1, bootnodes: 1 }, 'enode://a'))
      .toBe('No peer yet: dialling 1 --enode peer and 1 bootnode (so far: 1 connection refused)')
  })
})
