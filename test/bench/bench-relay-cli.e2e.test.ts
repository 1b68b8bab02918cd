// `p2pmessage bench relay` through the real binary (the command's one spawned run): against our relay on
// 127.0.0.1 at a small fixed rate, the --json summary counts exactly what was sent and delivered.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { Cli, ensureBuilt } from '../cli/harness.js'

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()))
})
beforeAll(() => ensureBuilt())

describe('p2pmessage bench relay (binary)', () => {
  it('--json: one summary object, everything delivered', async () => {
    const relay = new WhisperNode({ relay: true, shhVersions: [6], minPow: 0.001, listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, logger: () => {}, sealThreads: 1 })
    await relay.start()
    stops.push(() => relay.stop())
    const cli = new Cli(['bench', 'relay', relay.enode, '--senders', '1', '--receivers', '2', '--rate', '20', '--duration', '1', '--pow', '0.001', '--size', '32', '--threads', '1', '--drain', '5', '--json'])
    stops.push(() => cli.dispose())
    const exit = await cli.exited
    expect(exit.code, cli.stderrLines.join('\n')).toBe(0)
    expect(cli.stdoutLines).toHaveLength(1)
    const s = JSON.parse(cli.stdoutLines[0])
    expect(s).toMatchObject({ sent: 20, delivered: 40, lost: 0, duplicates: 0, disconnects: 0 })
  })
})
