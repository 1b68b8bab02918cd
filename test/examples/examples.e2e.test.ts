// Each program in examples/ run as a user runs it (`node examples/x.mjs`, importing the package by
// its name: Node resolves 'p2pmessage' to this package through its own `exports`), against a relay
// started by the CLI on 127.0.0.1. The room's other member is a node in this process.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WhisperNode, type DeliveredMessage } from '../../src/node/index.js'
import { symKeyFromPassword } from '../../src/whisper/crypto.js'
import { parseTopic } from '../../src/whisper/topic.js'
import { utf8 } from '../../src/whisper/bytes.js'
import { Cli, LOCAL_RELAY, ROOT } from '../cli/harness.js'

// one topic per test: the relay keeps (and offers to every new peer) what an earlier test said
const TOPIC = 'a1b2c3d4'
const HOOK_TOPIC = 'a1b2c3d5'
const PASSWORD = 'examples test'
const procs: Cli[] = []
const nodes: WhisperNode[] = []
let relay: Cli
let enode: string

function example(name: string, args: string[]): Cli {
  const c = new Cli(args, { script: [join(ROOT, 'examples', name)] })
  procs.push(c)
  return c
}

/** A room member in this process, connected to the relay. */
async function member(topicHex = TOPIC): Promise<{ node: WhisperNode; said: (text: string) => Promise<void>; heard: (re: RegExp) => Promise<DeliveredMessage> }> {
  const node = new WhisperNode({ staticPeers: [enode], minPow: 0.01, verbosity: 0, sealThreads: 1 })
  nodes.push(node)
  await node.start()
  const topic = parseTopic(topicHex)
  const symKey = symKeyFromPassword(PASSWORD)
  const got: DeliveredMessage[] = []
  const waiters: (() => void)[] = []
  node.subscribe({ topics: [topic], symKey }, (m) => {
    got.push(m)
    for (const w of waiters.splice(0)) w()
  })
  await node.waitForPeer(30_000)
  return {
    node,
    said: async (text) => void (await node.post({ topic, symKey, payload: utf8(text), ttl: 50, pow: 0.01, workTime: 1 })),
    heard: async (re) => {
      for (;;) {
        const m = got.find((x) => !x.mine && re.test(new TextDecoder().decode(x.payload)))
        if (m) return m
        await new Promise<void>((r) => waiters.push(r))
      }
    },
  }
}

beforeAll(async () => {
  relay = new Cli(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0'])
  enode = await relay.waitFor(/^enode:\/\//)
})
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})
afterAll(async () => {
  await relay.dispose()
})

describe('examples/', () => {
  it('bot.mjs answers commands in the room, signed with its key', async () => {
    const bot = example('bot.mjs', [enode, TOPIC, PASSWORD])
    await bot.waitFor(/^bot ready in room a1b2c3d4$/)
    const me = await member()
    await me.said('!ping')
    const answer = await me.heard(/^pong$/)
    expect(answer.address).toBeDefined()
    await bot.waitFor(/^anonymous: !ping -> pong$/)
    bot.kill('SIGTERM')
    expect((await bot.exited).code).toBe(0)
    expect(bot.stderr).toBe('')
  })

  it('webhook-bridge.mjs POSTs each room message to the webhook as JSON', async () => {
    const posts: { body: Record<string, unknown>; req: IncomingMessage }[] = []
    let wake = (): void => undefined
    const hook = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
        posts.push({ body: JSON.parse(body) as Record<string, unknown>, req })
        res.writeHead(204).end()
        wake()
      })
    })
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`
      const bridge = example('webhook-bridge.mjs', [enode, url, HOOK_TOPIC, PASSWORD])
      await bridge.waitFor(/^forwarding room a1b2c3d5 to http:\/\/127\.0\.0\.1:\d+\/hook$/)
      const me = await member(HOOK_TOPIC)
      await me.said('to the webhook')
      while (posts.length === 0) await new Promise<void>((r) => (wake = r))
      expect(posts[0].req.headers['content-type']).toBe('application/json')
      expect(posts[0].body).toMatchObject({ room: HOOK_TOPIC, text: 'to the webhook', from: null })
      expect(posts[0].body.hash).toMatch(/^[0-9a-f]{64}$/)
      bridge.kill('SIGTERM')
      expect((await bridge.exited).code).toBe(0)
    } finally {
      hook.closeAllConnections()
      await new Promise<void>((r) => hook.close(() => r()))
    }
  })

  it('seal-offline.mjs seals, encodes, decodes and opens both kinds of message', async () => {
    const seal = example('seal-offline.mjs', [])
    expect((await seal.exited).code).toBe(0)
    const [room, opened, bob, alice] = seal.stdoutLines
    expect(room).toMatch(/^room envelope: \d+ bytes, hash [0-9a-f]{64}$/)
    const signer = /signed by ([0-9a-f]{40}), pow \d+\.\d{3}$/.exec(opened)?.[1]
    expect(opened).toMatch(/^opened: "hello, room", /)
    expect(bob).toBe(`bob reads: "hello, Bob" from ${signer}`)
    expect(alice).toBe('alice cannot open it: decrypt')
  })

  it('conformance.mjs runs the quick suite against the relay and exits 0', async () => {
    const probe = example('conformance.mjs', [enode])
    const exit = await probe.exited
    expect(probe.stderr).toBe('')
    expect(exit.code).toBe(0)
    expect(probe.stdout).toMatch(/^\d+ passed, 0 failed, \d+ skipped/m)
    expect(probe.stdout).toMatch(/^status: [1-9]\d* passed, 0 failed, \d+ skipped$/m)
  })
})
