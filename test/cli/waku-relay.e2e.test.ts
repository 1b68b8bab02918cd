// A spawned relay offering shh/6 and waku/1 carries a chat on shh/6 to a chat on waku/1 and back
// (issue 22 item 4): the network bridge inside the relay, over real processes and sockets.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Cli, CHAT_LINE, ensureBuilt, LOCAL, LOCAL_RELAY } from './harness.js'

const procs: Cli[] = []
function spawnCli(args: string[]): Cli {
  const c = new Cli(args)
  procs.push(c)
  return c
}

beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})

describe('relay --protocols shh/6,waku/1', () => {
  it('carries a chat on shh/6 to a chat on waku/1 and back, and says each peer protocol', async () => {
    const relay = spawnCli(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--status', '1', '--protocols', 'shh/6,waku/1'])
    const enode = await relay.waitFor(/^enode:\/\//)
    await relay.waitFor(/ bridge: shh\/6 <-> waku$/)
    const wakuChat = spawnCli([...LOCAL, '--protocols', 'waku/1', '--enode', enode])
    await wakuChat.waitFor(/^Connected to peer/)
    const whisperChat = spawnCli([...LOCAL, '--protocols', 'shh/6', '--enode', enode])
    await whisperChat.waitFor(/^Connected to peer/)
    await relay.waitFor(/ peer joined id=[0-9a-f]{16} waku\/1 127\.0\.0\.1:\d+ inbound /)
    await relay.waitFor(/ peer joined id=[0-9a-f]{16} shh\/6 127\.0\.0\.1:\d+ inbound /)
    whisperChat.write('from whisper to waku\n')
    const line = await wakuChat.waitFor(/: from whisper to waku$/)
    expect(line).toMatch(CHAT_LINE)
    wakuChat.end('from waku to whisper\n')
    expect((await wakuChat.exited).code).toBe(0)
    await whisperChat.waitFor(/: from waku to whisper$/)
    whisperChat.kill('SIGTERM')
    expect((await whisperChat.exited).code).toBe(0)
  })
})
