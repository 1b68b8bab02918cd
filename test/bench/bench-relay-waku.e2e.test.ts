// `bench relay --protocols waku/1` through the real binaries: a spawned relay offering waku/1 (and one
// offering shh/6 and waku/1, loaded over waku), the generator at a small fixed rate: everything sent
// reaches every receiver, over Waku, and the report names the protocol; an shh/6 corpus replays over
// Waku; and `bench sink` over waku/0.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { Cli, ensureBuilt, LOCAL_RELAY } from '../cli/harness.js'
import { tempDirs } from '../support/temp-dirs.js'

const stops: (() => Promise<void>)[] = []
// the processes go before the directories they may read
const dirs = tempDirs('p2pmessage-bench-waku-', null)
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()))
  dirs.cleanup()
})
beforeAll(() => ensureBuilt())

async function spawnRelay(protocols: string): Promise<string> {
  const relay = new Cli(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--protocols', protocols])
  stops.push(() => relay.dispose())
  return relay.waitFor(/^enode:\/\//)
}

async function load(enode: string, protocol: string, extra: string[] = []): Promise<{ summary: Record<string, unknown>; cli: Cli }> {
  const cli = new Cli(['bench', 'relay', enode, '--protocols', protocol, '--senders', '2', '--receivers', '2', '--rate', '20', '--duration', '1',
    '--pow', '0.01', '--size', '32', '--threads', '1', '--drain', '10', ...extra])
  stops.push(() => cli.dispose())
  const exit = await cli.exited
  expect(exit.code, cli.stderr).toBe(0)
  return { summary: extra.includes('--json') ? JSON.parse(cli.stdoutLines[0]) : {}, cli }
}

describe('p2pmessage bench relay over Waku (binaries)', () => {
  it('a relay with --protocols waku/1: sent = delivered x receivers, nothing lost, the report says waku/1', async () => {
    const enode = await spawnRelay('waku/1')
    const { summary } = await load(enode, 'waku/1', ['--json'])
    expect(summary).toMatchObject({ sent: 20, delivered: 40, lost: 0, duplicates: 0, disconnects: 0, target: { protocol: 'waku/1', shh: 6 } })
    const { cli } = await load(enode, 'waku/1')
    expect(cli.stdout).toMatch(/^target {4}p2pmessage\/\S+ waku\/1, announced min PoW 0\.01$/m)
  })

  it('a relay offering shh/6 and waku/1: loaded over waku/1 and over shh/6; waku/0, which it does not offer, is refused by name', async () => {
    const enode = await spawnRelay('shh/6,waku/1')
    // the relay offers waku/1 only of the waku family: a waku/0 generator shares nothing with it
    const refused = new Cli(['bench', 'relay', enode, '--protocols', 'waku/0', '--senders', '1', '--receivers', '1', '--rate', '5', '--duration', '1'])
    stops.push(() => refused.dispose())
    expect((await refused.exited).code, refused.stderr).toBe(2)
    expect(refused.stderr).toMatch(/no waku\/0 session: .*start it with --protocols waku\/0/)
    expect((await load(enode, 'waku/1', ['--json'])).summary).toMatchObject({ sent: 20, delivered: 40, lost: 0, duplicates: 0 })
    expect((await load(enode, 'shh/6', ['--json'])).summary).toMatchObject({ sent: 20, delivered: 40, lost: 0, duplicates: 0 })
  })

  it('an shh/6 corpus replays over waku/1 from a sender process: everything delivered', async () => {
    const file = join(dirs.make(), 'corpus.bin')
    const seal = new Cli(['bench', 'relay', '--seal-corpus', file, '--shh', '6', '--count', '40', '--pow', '0.01', '--size', '32', '--ttl', '600', '--threads', '1'])
    stops.push(() => seal.dispose())
    expect((await seal.exited).code, seal.stderr).toBe(0)
    const enode = await spawnRelay('waku/1')
    const cli = new Cli(['bench', 'relay', enode, '--protocols', 'waku/1', '--corpus', file, '--processes', '1', '--senders', '2', '--receivers', '2',
      '--rate', '20', '--duration', '1', '--drain', '10', '--json'])
    stops.push(() => cli.dispose())
    expect((await cli.exited).code, cli.stderr).toBe(0)
    expect(JSON.parse(cli.stdoutLines[0])).toMatchObject({ sent: 20, delivered: 40, lost: 0, duplicates: 0, target: { protocol: 'waku/1' }, corpus: { processes: 1 } })
  })

  it('bench sink --protocols waku/0 passes everything on to the receivers', async () => {
    const sink = new Cli(['bench', 'sink', '--protocols', 'waku/0'])
    stops.push(async () => {
      sink.kill('SIGINT')
      await sink.exited
    })
    const enode = await sink.waitFor(/^enode:\/\//)
    expect((await load(enode, 'waku/0', ['--json'])).summary).toMatchObject({ sent: 20, delivered: 40, lost: 0, duplicates: 0 })
    sink.kill('SIGINT')
    await sink.exited
    expect(sink.stderr).toMatch(/^bench sink: 20 envelopes in, 40 out$/m)
  })
})
