// --protocols on every command that takes --shh (issue 22 item 3): the comma list, one clear line and
// exit 2 on a bad entry, --shh as its shorthand, both given = an error; envelope seal/open take a Waku
// protocol as format 6; probe runs each group on its family's versions named; bench relay and sink take
// one protocol, shh or waku.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectUsageError, LOCAL, LOCAL_RELAY } from './harness.js'
import { run } from './in-process.js'
import { parseProtocols, protocolsOfShh } from '../../src/cli/options.js'
import { CliError } from '../../src/cli/errors.js'
import { resolveNetwork } from '../../src/cli/network.js'
import { tempDirs } from '../support/temp-dirs.js'
import { WhisperNode } from '../../src/node/index.js'

const ENODE = 'enode://1f465ada3edb807037f73cd53a9391aa9ccd2342d257288fe8566825582a395175b58576899ba3628a1e6cdf599ac3087ea4910d2693a72fa7e916b86cd0600d@127.0.0.1:30303'

describe('--protocols', () => {
  it('parses a comma list in any order and case, without repeats, and refuses a bad entry by name', () => {
    expect(parseProtocols('waku/1,shh/6')).toEqual(['shh/6', 'waku/1'])
    expect(parseProtocols(' SHH/5 , waku/0,waku/1,shh/5 ')).toEqual(['shh/5', 'waku/0', 'waku/1'])
    expect(() => parseProtocols('shh/6,waku/2')).toThrow(new CliError('invalid --protocols "shh/6,waku/2": unknown protocol "waku/2" (expected a comma list of shh/5, shh/6, waku/0, waku/1)'))
    expect(() => parseProtocols(',')).toThrow(/^invalid --protocols ",": expected a comma list of shh\/5, shh\/6, waku\/0, waku\/1$/)
    expect(protocolsOfShh('both')).toEqual(['shh/5', 'shh/6'])
  })

  it('the network config: --protocols, or --shh as its shorthand', () => {
    const flags = { bootnodes: 'none', shh: 'both', verbosity: '1' }
    expect(resolveNetwork({ ...flags, protocols: 'shh/6,waku/1' })).toMatchObject({ protocols: ['shh/6', 'waku/1'], shhVersions: [6], shh: undefined })
    expect(resolveNetwork({ ...flags, protocols: 'waku/0,waku/1' })).toMatchObject({ protocols: ['waku/0', 'waku/1'], shhVersions: [] })
    expect(resolveNetwork({ ...flags, shh: '6' })).toMatchObject({ protocols: ['shh/6'], shhVersions: [6], shh: 6 })
  })

  describe('on the command line: one line, exit 2', () => {
    const dirs = tempDirs('p2pmessage-protocols-', afterAll)
    let dir: string
    beforeAll(() => {
      dir = dirs.make()
    })

    it('a bad entry, on chat, relay, mailserver and bridge', async () => {
      const re = /^p2pmessage: invalid --protocols "shh\/6,shh\/7": unknown protocol "shh\/7" \(expected a comma list of shh\/5, shh\/6, waku\/0, waku\/1\)$/
      expectUsageError(await run([...LOCAL, '--protocols', 'shh/6,shh/7']), re)
      expectUsageError(await run(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--protocols', 'shh/6,shh/7']), re)
      expectUsageError(await run(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'pw', '--datadir', dir, '--protocols', 'shh/6,shh/7']), re)
      expectUsageError(await run(['bridge', '--bootnodes', 'none', '--http', '127.0.0.1:0', '--datadir', dir, '--protocols', 'shh/6,shh/7']), re)
    })

    it('--protocols and --shh together', async () => {
      const re = /^p2pmessage: give --protocols or --shh, not both \(--shh 6 is --protocols shh\/6\)$/
      expectUsageError(await run([...LOCAL, '--protocols', 'waku/1', '--shh', '6']), re)
      expectUsageError(await run(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--shh', 'both', '--protocols', 'waku/1']), re)
    })

    it('--room needs shh/5 and shh/6 among the protocols', async () => {
      expectUsageError(await run(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--protocols', 'shh/6,waku/1', '--room', '44c7429f:pw']),
        /^p2pmessage: --room carries rooms between shh\/5 and shh\/6: it needs --shh both \(or both in --protocols\)$/)
    })

    it('probe refuses --protocols with --shh, and an unknown protocol', async () => {
      expectUsageError(await run(['probe', ENODE, '--protocols', 'shh/6', '--shh', '5']), /^p2pmessage: probe: give --protocols or --shh, not both$/)
      expectUsageError(await run(['probe', ENODE, '--protocols', 'waku/2']), /^p2pmessage: invalid --protocols "waku\/2": unknown protocol "waku\/2"/)
    })

    it('bench relay and bench sink take one protocol, shh or waku; a mix is one line, exit 2', async () => {
      const one = /^p2pmessage: bench relay: --protocols names one protocol here \(shh\/5, shh\/6, waku\/0 or waku\/1\), got shh\/6,waku\/1: measure each in its own run$/
      expectUsageError(await run(['bench', 'relay', ENODE, '--protocols', 'shh/6,waku/1']), one)
      expectUsageError(await run(['bench', 'relay', ENODE, '--protocols', 'waku/0,waku/1']), /^p2pmessage: bench relay: --protocols names one protocol here .*got waku\/0,waku\/1/)
      expectUsageError(await run(['bench', 'relay', ENODE, '--protocols', 'waku/1', '--shh', '6']), /^p2pmessage: bench relay: give --protocols or --shh, not both$/)
      expectUsageError(await run(['bench', 'relay', ENODE, '--protocols', 'waku/2']), /^p2pmessage: invalid --protocols "waku\/2": unknown protocol "waku\/2"/)
      expectUsageError(await run(['bench', 'sink', '--protocols', 'shh/5,waku/0']), /^p2pmessage: bench sink: --protocols names one protocol here .*got shh\/5,waku\/0/)
      expectUsageError(await run(['bench', 'sink', '--shh', '7']), /^p2pmessage: bench sink: --shh must be 5 or 6, got "7"$/)
      // a corpus for Waku is an shh/6 one: the same envelope format
      const sealed = await run(['bench', 'relay', '--seal-corpus', `${dir}/c.bin`, '--protocols', 'waku/1', '--count', '2', '--pow', '0', '--size', '8', '--threads', '1'])
      expect(sealed.code, sealed.stderr).toBe(0)
      expect(sealed.stdout).toMatch(/^corpus \S+: 2 shh\/6 \(and waku\) envelopes, 8-byte payloads, PoW 0, usable until /)
    })

    it('probe: each group runs on its family\'s versions named; a group with none named is skipped, saying why', async () => {
      const node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, relay: true, protocols: ['shh/6', 'waku/0', 'waku/1'] })
      await node.start()
      try {
        const wakuOnly = await run(['probe', node.enode, '--protocols', 'waku/1', '--only', 'status', '--json'])
        expect(wakuOnly.code).toBe(0)
        const a = JSON.parse(wakuOnly.stdout) as { node: { shh: number[] }; results: { status: string; detail: string }[] }
        expect(a.node.shh).toEqual([])
        expect(a.results.length).toBeGreaterThan(0)
        for (const c of a.results) expect(c).toMatchObject({ status: 'skip', detail: 'no shh version to test: --protocols names only waku/1' })
        const shhOnly = await run(['probe', node.enode, '--protocols', 'shh/6', '--only', 'waku', '--json'])
        expect(shhOnly.code).toBe(0)
        const b = JSON.parse(shhOnly.stdout) as { node: { waku: number[] }; results: { status: string; detail: string }[] }
        expect(b.node.waku).toEqual([])
        expect(b.results.length).toBeGreaterThan(0)
        for (const c of b.results) expect(c).toMatchObject({ status: 'skip', detail: '--protocols names no waku version' })
      } finally {
        await node.stop()
      }
    })

    it('envelope seal and open: a Waku protocol means format 6; mixed formats are refused', async () => {
      const sealed = await run(['envelope', 'seal', '--protocols', 'waku/1', '--password', 'pw', '--payload', 'hi', '--pow', '0'])
      expect(sealed.code).toBe(0)
      const hex = sealed.stdout.trim()
      const opened = await run(['envelope', 'open', hex, '--protocols', 'waku/0', '--password', 'pw'])
      expect(opened.code).toBe(0)
      expect(opened.stdout).toMatch(/^payload: hi$/m)
      // the same bytes as --shh 6 reads them
      expect((await run(['envelope', 'open', hex, '--shh', '6', '--password', 'pw'])).stdout).toBe(opened.stdout)
      expectUsageError(await run(['envelope', 'seal', '--protocols', 'shh/5,waku/1', '--password', 'pw', '--payload', 'hi']),
        /^p2pmessage: envelope seal: --protocols "shh\/5,waku\/1" mixes envelope formats/)
      expectUsageError(await run(['envelope', 'open', hex, '--protocols', 'waku/1', '--shh', '6', '--password', 'pw']),
        /^p2pmessage: envelope open: give --protocols or --shh, not both$/)
    })
  })
})
