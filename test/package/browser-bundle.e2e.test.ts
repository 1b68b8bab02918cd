// `p2pmessage/whisper` in a web page: bundled by esbuild for the browser (platform 'browser': any
// import of a Node built-in fails the build) from the package by its name, as an app would, and run
// in Chromium. The page seals a room message that Node nodes carry through a relay on 127.0.0.1, and
// opens one that came through that relay: the same bytes both ways, no node:crypto in the browser.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build } from 'esbuild'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WhisperNode, type DeliveredMessage } from '../../src/node/index.js'
import { decodeEnvelope, encodeEnvelope, envelopeHash } from '../../src/whisper/envelope.js'
import { symKeyFromPassword, addressOf } from '../../src/whisper/crypto.js'
import { topicFromPassword } from '../../src/whisper/topic.js'
import { fromHex, toHex, utf8 } from '../../src/whisper/bytes.js'
import { ROOT } from '../cli/harness.js'
import { tempDirs } from '../support/temp-dirs.js'

const CHROMIUM = '/usr/bin/chromium'
// as test/bridge/browser.e2e.test.ts: skipped (and said) without Chromium, except in CI where it must run
const skip = !existsSync(CHROMIUM) && !process.env.CI
if (skip) process.stderr.write(`SKIPPED browser bundle test: ${CHROMIUM} not found (install: apt-get install -y chromium). It always runs when CI is set.\n`)
const ROOM = 'browser bundle room'
const POW = 0.01

/** The page's global scope: the bundle's exports as `whisper` (the tests' lib has no DOM types). */
type PageScope = { whisper: typeof import('../../src/whisper/index.js') }

const dirs = tempDirs('p2pmessage-bundle-', null)
const nodes: WhisperNode[] = []
let server: Server
let context: BrowserContext
let page: Page
let bundle: string

/** A node on the relay, with the room's messages it received. */
async function roomNode(relay: string): Promise<{ node: WhisperNode; got: DeliveredMessage[]; next: () => Promise<DeliveredMessage> }> {
  const node = new WhisperNode({ staticPeers: [relay], minPow: POW, verbosity: 0, sealThreads: 1 })
  nodes.push(node)
  await node.start()
  const got: DeliveredMessage[] = []
  let wake = (): void => undefined
  node.subscribe({ topics: [topicFromPassword(ROOM)], symKey: symKeyFromPassword(ROOM) }, (m) => {
    if (m.mine) return
    got.push(m)
    wake()
  })
  await node.waitForPeer(30_000)
  let taken = 0
  return {
    node,
    got,
    next: async () => {
      while (got.length <= taken) await new Promise<void>((r) => (wake = r))
      return got[taken++]
    },
  }
}

describe.skipIf(skip)('p2pmessage/whisper bundled for the browser', () => {
  beforeAll(async () => {
    const dir = dirs.make()
    // an app directory whose node_modules holds this package, as after `npm install p2pmessage`
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(ROOT, join(dir, 'node_modules/p2pmessage'))
    // an ES module, as browsers and bundlers take it today: the package loads noble's AES with a top-level
    // await where node:crypto is missing (an iife bundle cannot hold one)
    writeFileSync(join(dir, 'app.js'), "import * as whisper from 'p2pmessage/whisper'\nglobalThis.whisper = whisper\n")
    const out = await build({ entryPoints: [join(dir, 'app.js')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' })
    bundle = out.outputFiles[0].text
    server = createServer((req, res) => {
      if (req.url === '/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bundle</title><script type="module" src="/app.js"></script>')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.waitForFunction(() => typeof (globalThis as unknown as Partial<PageScope>).whisper?.sealMessage === 'function')
    expect(errors).toEqual([])
  }, 120_000)

  afterAll(async () => {
    await context?.close()
    await Promise.all(nodes.map((n) => n.stop()))
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
    dirs.cleanup()
  }, 60_000)

  it('has no Node built-in in the bundle and runs in Chromium without node:crypto', async () => {
    expect(bundle).not.toMatch(/require\(["']node:|from ["']node:/)
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined')
    const hash = await page.evaluate(() => {
      const w = (globalThis as unknown as PageScope).whisper
      return w.toHex(w.keccak256(w.utf8('abc')))
    })
    expect(hash).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
  })

  it('seals a room message that nodes carry through a relay, and opens one that came through it', async () => {
    const relay = new WhisperNode({ relay: true, listen: { host: '127.0.0.1', port: 0 }, minPow: POW, verbosity: 0, sealThreads: 1 })
    nodes.push(relay)
    await relay.start()
    const a = await roomNode(relay.enode)
    const b = await roomNode(relay.enode)

    // browser -> node A -> relay -> node B
    const sealed = await page.evaluate(({ room, pow }) => {
      const w = (globalThis as unknown as PageScope).whisper
      const key = w.generatePrivateKey()
      const env = w.sealMessage({ shh: 6, topic: w.topicFromPassword(room), payload: w.utf8('sealed in the browser'), symKey: w.symKeyFromPassword(room), src: key, ttl: 60, pow, workTime: 2 })
      return { wire: w.toHex(w.encodeEnvelope(env)), address: w.toHex(w.addressOf(w.publicKeyOf(key))) }
    }, { room: ROOM, pow: POW })
    a.node.send(decodeEnvelope(6, fromHex(sealed.wire)))
    const atB = await b.next()
    expect(new TextDecoder().decode(atB.payload)).toBe('sealed in the browser')
    expect(toHex(atB.address!)).toBe(sealed.address)

    // node B -> relay -> node A, whose copy of the envelope the browser opens
    await b.node.post({ topic: topicFromPassword(ROOM), symKey: symKeyFromPassword(ROOM), payload: utf8('opened in the browser'), src: b.node.privateKey, shh: 6, ttl: 60, pow: POW, workTime: 1 })
    const atA = await a.next()
    const env = a.node.envelopes(6).find((e) => toHex(envelopeHash(e)) === toHex(atA.hash))!
    expect(env).toBeDefined()
    const opened = await page.evaluate(({ wire, room }) => {
      const w = (globalThis as unknown as PageScope).whisper
      const m = w.openEnvelope(w.decodeEnvelope(6, w.fromHex(wire)), { symKey: w.symKeyFromPassword(room) })
      return { text: new TextDecoder().decode(m.payload), address: m.address ? w.toHex(m.address) : null }
    }, { wire: toHex(encodeEnvelope(env)), room: ROOM })
    expect(opened).toEqual({ text: 'opened in the browser', address: toHex(addressOf(b.node.publicKey)) })
  })
})
