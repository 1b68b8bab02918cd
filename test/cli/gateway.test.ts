// `relay --room` and `bridge --room` specs that are refused: one line, exit 2; main() run in-process.
// (The gateway carrying lines between shh/5 and shh/6 chats: gateway.e2e.test.ts.)
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { afterAll, describe, it } from 'vitest'
import { expectUsageError } from './harness.js'
import { run } from './in-process.js'

describe('relay --room', () => {
  // the bridge makes its --datadir (node key) before it reads the network flags that it then refuses
  const bridgeDir = join(tmpdir(), `p2pm-gw-${process.pid}`)
  afterAll(() => rmSync(bridgeDir, { recursive: true, force: true }))
  it.each([
    [['relay', '--room', '44c7429f'], /invalid --room "44c7429f": expected <topic>:<password>/],
    [['relay', '--room', '44c742:secret'], /the topic "44c742" is not 8 hex digits/],
    [['relay', '--room', 'zzzzzzzz:secret'], /not 8 hex digits/],
    [['relay', '--room', '44c7429f:'], /the password after the colon is empty/],
    [['relay', '--shh', '5', '--room', '44c7429f:pw'], /--room .* needs --shh both/],
    [['bridge', '--room', 'nocolon'], /invalid --room "nocolon"/],
    [['bridge', '--shh', '5', '--room', '44c7429f:pw', '--datadir', bridgeDir], /--room .* needs --shh both/],
  ])('%j: one line, exit 2', async (args, re) => {
    expectUsageError(await run([...args, '--bootnodes', 'none', '--listen', '127.0.0.1:0']), re)
  })

})
