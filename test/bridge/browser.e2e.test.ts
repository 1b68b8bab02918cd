// The chat page in headless Chromium against real bridges: two pages on two bridges whose nodes are
// peered over RLPx (the peer added from the page itself), plus the CLI chat on the same room.
// Set BRIDGE_SCREENSHOT=docs/bridge.png to save a screenshot of the first page at the end.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cli, CHAT_LINE, LOCAL, ensureBuilt } from '../cli/harness.js'
import { Bridge } from '../../src/bridge/bridge.js'
import { WhisperNode } from '../../src/node/index.js'
import { Archive } from '../../src/node/archive.js'
import { MailServer } from '../../src/node/mailserver.js'
import { fetchChatHistory } from '../../src/cli/chat-history.js'
import { generatePrivateKey, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { Harness, TEST_POW, eventually } from './harness.js'
import { budget } from '../support/budget.js'

const CHROMIUM = '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
const skip = !haveChromium && !process.env.CI
if (skip) {
  process.stderr.write(`SKIPPED bridge browser tests: ${CHROMIUM} not found (install: apt-get install -y chromium). They always run when CI is set.\n`)
}

const TOPIC = '5eed1e55'
const PASSWORD = 'browser room'
const WAIT = 40_000

describe.skipIf(skip)('chat page in Chromium', () => {
  const h = new Harness()
  let context: BrowserContext
  let profile: string
  let nodeA: WhisperNode
  let nodeB: WhisperNode
  let bridgeA: Bridge
  let bridgeB: Bridge
  let page1: Page
  let page2: Page
  let cli: Cli | null = null
  const pageErrors: string[] = []

  beforeAll(async () => {
    ensureBuilt() // the CLI chat runs from dist/
    nodeA = await h.node()
    nodeB = await h.node()
    bridgeA = await h.bridge(nodeA)
    bridgeB = await h.bridge(nodeB, { token: 'browser-test-token-123' })
    profile = mkdtempSync(join(tmpdir(), 'p2pmessage-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 720 },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    })
    page1 = await context.newPage()
    page2 = await context.newPage()
    for (const p of [page1, page2]) p.on('pageerror', (e) => pageErrors.push(e.message))
  }, budget(120_000))

  afterAll(async () => {
    await cli?.dispose()
    await context?.close()
    await h.close()
    if (profile) rmSync(profile, { recursive: true, force: true })
  }, budget(60_000))

  async function joinRoom(page: Page): Promise<void> {
    await page.getByLabel('Topic').fill(TOPIC)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Join' }).click()
    await page.getByRole('tab', { name: new RegExp(TOPIC) }).waitFor({ timeout: WAIT })
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByLabel('Message').fill(text)
    await page.getByRole('button', { name: 'Send' }).click()
  }

  /** The row of a message in the visible room's log, once it is there. */
  async function row(page: Page, text: string) {
    const li = page.getByRole('log').locator('li', { hasText: text })
    await li.first().waitFor({ timeout: WAIT })
    return li.first()
  }

  it('loads on both bridges (the second with its token from the URL fragment)', async () => {
    await page1.goto(bridgeA.pageUrl)
    await page2.goto(bridgeB.pageUrl)
    expect(bridgeB.pageUrl).toContain('#token=')
    for (const [page, node] of [[page1, nodeA], [page2, nodeB]] as const) {
      await page.locator('#conn.ok').waitFor({ timeout: WAIT })
      expect(await page.getByRole('status').first().textContent()).toBe('connected')
      await expect.poll(() => page.locator('#self-enode').textContent(), { timeout: WAIT }).toBe(node.enode)
    }
    // the fragment was removed from the address bar once read
    expect(page2.url()).not.toContain('token')
  })

  it('adds a peer by enode URL from the page', async () => {
    await page2.getByLabel('Enode').fill(nodeA.enode)
    await page2.getByRole('button', { name: 'Add peer' }).click()
    const peers = page2.getByRole('list', { name: 'Connected peers' })
    await peers.locator('li').first().waitFor({ timeout: WAIT })
    await expect.poll(() => peers.locator('li').first().textContent()).toContain('shh/6')
    // the other page hears about its new (inbound) peer by push
    await page1.getByRole('list', { name: 'Connected peers' }).locator('li', { hasText: 'inbound' }).waitFor({ timeout: WAIT })
    expect(await page1.locator('#peer-count').textContent()).toBe('1')
  })

  it('exchanges messages both ways between two pages on peered bridges, and with the CLI chat', async () => {
    await joinRoom(page1)
    await joinRoom(page2)
    cli = new Cli(['chat', '--topic', TOPIC, '--password', PASSWORD, '--enode', nodeA.enode, ...LOCAL])
    await cli.waitFor(/Connected to peer/, { timeoutMs: WAIT })
    expect(LOCAL).toContain(String(TEST_POW))

    await send(page1, 'hello from page one')
    const mine = await row(page1, 'hello from page one')
    expect(await mine.locator('.from').textContent()).toBe('me')
    const there = await row(page2, 'hello from page one')
    expect(await there.locator('.from').textContent()).toBe(bridgeA.rooms.address.slice(0, 8))
    expect(await there.locator('time').textContent()).toMatch(/^\d\d:\d\d:\d\d$/)
    // the message input is cleared once sent
    await expect.poll(() => page1.getByLabel('Message').inputValue()).toBe('')

    await send(page2, 'hello from page two')
    const back = await row(page1, 'hello from page two')
    expect(await back.locator('.from').textContent()).toBe(bridgeB.rooms.address.slice(0, 8))

    const l1 = await cli.waitFor(/hello from page one$/, { timeoutMs: WAIT })
    expect(CHAT_LINE.exec(l1)?.[3]).toBe(bridgeA.rooms.address)
    const l2 = await cli.waitFor(/hello from page two$/, { timeoutMs: WAIT })
    expect(CHAT_LINE.exec(l2)?.[3]).toBe(bridgeB.rooms.address)

    cli.write('hello from the terminal\n')
    for (const page of [page1, page2]) {
      const r = await row(page, 'hello from the terminal')
      const from = await r.locator('.from').textContent()
      expect(from).toMatch(/^[0-9a-f]{8}$/)
      expect(from).not.toBe(bridgeA.rooms.address.slice(0, 8))
    }
  })

  it('shows a hostile message from a peer as text', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold?</b>'
    cli!.write(hostile + '\n')
    for (const page of [page1, page2]) {
      const r = await row(page, 'bold?')
      expect(await r.locator('.text').textContent()).toBe(hostile)
      expect(await page.getByRole('log').locator('img, script, b').count()).toBe(0)
      expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined()
    }
  })

  it('holds several rooms at once, one tab each, driven from the keyboard', async () => {
    const tabs = page1.getByRole('tab')
    await page1.getByLabel('Topic').fill(TOPIC)
    await page1.getByLabel('Password').fill('a second room')
    await page1.getByLabel('Password').press('Enter')
    await expect.poll(() => tabs.count(), { timeout: WAIT }).toBe(2)
    expect(await tabs.nth(1).getAttribute('aria-selected')).toBe('true') // the new room is shown
    await page1.getByLabel('Message').fill('only in the second room')
    await page1.getByLabel('Message').press('Enter')
    await row(page1, 'only in the second room')

    // the first room keeps receiving while hidden: its tab counts unread messages
    cli!.write('while you were away\n')
    await tabs.nth(0).locator('.unread', { hasText: '1' }).waitFor({ timeout: WAIT })
    await tabs.nth(1).focus()
    await page1.keyboard.press('ArrowLeft')
    await expect.poll(() => tabs.nth(0).getAttribute('aria-selected')).toBe('true')
    expect(await tabs.nth(0).evaluate((el) => el === (globalThis as any).document.activeElement)).toBe(true)
    expect(await tabs.nth(0).locator('.unread').isHidden()).toBe(true)
    await row(page1, 'while you were away')
    expect(await page1.getByRole('log').locator('li', { hasText: 'only in the second room' }).count()).toBe(0)
    // the page on the other bridge is not in the second room and never sees it
    await row(page2, 'while you were away')
    expect(await page2.getByRole('log').locator('li', { hasText: 'only in the second room' }).count()).toBe(0)
  })

  it('keeps the room and its history over a reload', async () => {
    await page2.reload()
    await page2.getByRole('tab', { name: new RegExp(TOPIC) }).waitFor({ timeout: WAIT })
    for (const text of ['hello from page one', 'hello from page two', 'hello from the terminal']) await row(page2, text)
    // and the reloaded page still sends (token kept for the tab)
    await send(page2, 'after the reload')
    await row(page1, 'after the reload')
    expect(pageErrors).toEqual([])
    if (process.env.BRIDGE_SCREENSHOT) await page1.screenshot({ path: process.env.BRIDGE_SCREENSHOT })
  })

  it('shows a fresh browser the rooms the bridge already joined (REST), and one left in the tab stays left over a reload', async () => {
    const topic = 'a1ead700'
    const bridge = await h.bridge(await h.node())
    const info = await bridge.rooms.join(topic, 'joined over REST')
    await bridge.rooms.send(info.room, 'said before any page')
    const page = await context.newPage() // a new tab: empty sessionStorage, as a fresh browser
    page.on('pageerror', (e) => pageErrors.push(e.message))
    try {
      await page.goto(bridge.pageUrl)
      await page.getByRole('tab', { name: new RegExp(topic) }).waitFor({ timeout: WAIT })
      await row(page, 'said before any page')
      expect(await page.locator('#no-rooms').isHidden()).toBe(true)
      await send(page, 'from the page, no password asked')
      await row(page, 'from the page, no password asked')
      await page.getByRole('button', { name: `Leave room ${topic}` }).click()
      await page.locator('#no-rooms').waitFor({ timeout: WAIT })
      await page.reload()
      await expect.poll(() => page.locator('#self-address').textContent(), { timeout: WAIT }).toBe(bridge.rooms.address) // hello handled
      // a join sent after the hello is answered after anything the hello would have asked for
      await page.getByLabel('Topic').fill(TOPIC)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Join' }).click()
      await page.getByRole('tab', { name: new RegExp(TOPIC) }).waitFor({ timeout: WAIT })
      // the bridge is still in the room (the page left, not the bridge), yet this tab does not bring it back
      expect(bridge.rooms.isJoined(info.room)).toBe(true)
      expect(await page.getByRole('tab', { name: new RegExp(topic) }).count()).toBe(0)
      expect(pageErrors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('a bridge that does not listen offers no enode; a long paste is kept whole and said too long; a restart clears the disconnected notice', async () => {
    const quiet = new WhisperNode({ bootnodes: [], discovery: false, minPow: TEST_POW, verbosity: 0 })
    await quiet.start()
    const dataDir = h.tempDir()
    const identity = generatePrivateKey()
    const start = (port: number) => Bridge.start({ node: quiet, identity, http: { host: '127.0.0.1', port }, dataDir, post: { ttl: 50, pow: TEST_POW, workTime: 1 } })
    let bridge = await start(0)
    const page = await context.newPage()
    page.on('pageerror', (e) => pageErrors.push(e.message))
    try {
      await page.goto(bridge.pageUrl)
      await page.locator('#conn.ok').waitFor({ timeout: WAIT })
      await expect.poll(() => page.locator('#self-enode').textContent(), { timeout: WAIT }).toBe('not listening: start the bridge with --listen 0.0.0.0:30303 for peers to dial it')
      expect(await page.getByRole('button', { name: 'Copy enode' }).isHidden()).toBe(true)

      await joinRoom(page)
      const box = page.getByLabel('Message')
      await box.fill('x'.repeat(9000))
      expect((await box.inputValue()).length).toBe(9000) // nothing cut
      await expect.poll(() => page.locator('#message-hint').textContent()).toBe('Too long to send: 9000 bytes, a message holds at most 8192 (UTF-8). Shorten it.')
      expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true)
      await box.fill('é'.repeat(5000)) // 10000 bytes in UTF-8, what the bridge counts
      await expect.poll(() => page.locator('#message-hint').textContent()).toMatch(/^Too long to send: 10000 bytes/)
      await box.fill('short enough')
      await expect.poll(() => page.locator('#message-hint').textContent()).toBe('')
      expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(false)

      const port = Number(new URL(bridge.url).port)
      await bridge.stop()
      await page.locator('#conn.down').waitFor({ timeout: WAIT })
      await page.getByRole('button', { name: 'Send' }).click()
      await expect.poll(() => page.locator('#notice').textContent()).toBe('Not connected to the bridge yet.')
      bridge = await start(port)
      await page.locator('#conn.ok').waitFor({ timeout: WAIT })
      await expect.poll(() => page.locator('#notice').textContent(), { timeout: WAIT }).toBe('')
      expect(pageErrors).toEqual([])
    } finally {
      await page.close()
      await bridge.stop().catch(() => undefined)
      await quiet.stop()
    }
  })

  it('loads older lines when the user scrolls to the top of a room, keeping the place, and says when there are none', async () => {
    const topic = 'b01dface'
    const node = await h.node()
    const bridge = await h.bridge(node)
    const { room } = await bridge.rooms.join(topic, 'scroll back')
    // 250 lines in the bridge's own store, as if they had come in over the last hours
    const t0 = Math.floor(Date.now() / 1000) - 10_000
    for (let i = 0; i < 250; i++) {
      bridge.history.add({ room, key: `k${i}`, hash: i.toString(16).padStart(64, '0'), from: null, sent: t0 + i, received: t0 + i, text: `old line ${i}`, truncated: false })
    }
    const page = await context.newPage()
    page.on('pageerror', (e) => pageErrors.push(e.message))
    try {
      await page.goto(bridge.pageUrl)
      await page.getByRole('tab', { name: new RegExp(topic) }).waitFor({ timeout: WAIT })
      const log = page.getByRole('log')
      const texts = () => log.locator('li .text').allTextContents()
      const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `old line ${from + i}`)
      // a join shows the newest 100, scrolled to the end
      await expect.poll(texts, { timeout: WAIT }).toEqual(lines(150, 250))
      const scrollTop = () => log.evaluate((el) => el.scrollTop)
      expect(await scrollTop()).toBeGreaterThan(0)
      const older = page.locator('.older')

      const scrollUp = async () => {
        await log.hover()
        await page.mouse.wheel(0, -100_000)
      }
      await scrollUp()
      await expect.poll(texts, { timeout: WAIT }).toEqual(lines(50, 250))
      // the line that was at the top is still where the reader left it, the older ones above it, out of view
      expect(await scrollTop()).toBeGreaterThan(0)
      const listBox = (await log.boundingBox())!
      const kept = (await log.locator('li', { hasText: /^.*old line 150$/ }).boundingBox())!
      expect(kept.y).toBeGreaterThanOrEqual(listBox.y)
      expect(kept.y).toBeLessThan(listBox.y + 60)
      expect(await older.isHidden()).toBe(true)

      await scrollUp()
      await expect.poll(texts, { timeout: WAIT }).toEqual(lines(0, 250))
      // the last page was short: nothing older, said at the top
      await expect.poll(() => older.textContent(), { timeout: WAIT }).toBe('No older messages in this room.')
      expect(await older.isVisible()).toBe(true)
      await scrollUp()
      expect(await texts()).toEqual(lines(0, 250))
      expect(pageErrors).toEqual([])
    } finally {
      await page.close()
    }
  }, budget(90_000))

  it('puts a mail server\'s older history above a newer live line, live and after a reload', async () => {
    const topic = 'ea71e500'
    const password = 'history in order'
    const symKey = symKeyFromPassword(password)
    const say = (node: WhisperNode, text: string, ttl: number) =>
      node.post({ topic: Buffer.from(topic, 'hex'), payload: new TextEncoder().encode(text), symKey, ttl, pow: TEST_POW, workTime: 2 })
    const dir = h.tempDir()
    const msNode = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, bootnodes: [], minPow: TEST_POW, relay: true, verbosity: 0 })
    const server = new MailServer(msNode, { password: 'mailpw', archive: await Archive.open({ dir, flushMs: 5 }), minPow: TEST_POW })
    await msNode.start()
    const page = await context.newPage()
    page.on('pageerror', (e) => pageErrors.push(e.message))
    try {
      // said before the bridge was there, gone from every pool: only the mail server has it
      const talker = await h.node({ staticPeers: [msNode.enode] })
      await talker.waitForPeer(10_000)
      await say(talker, 'said while away', 2)
      await eventually(async () => (server.archive.stats().envelopes === 1 && msNode.stats().poolSize === 0 ? true : undefined), 'archived and expired', 15_000)

      const bridgeNode = await h.node({ staticPeers: [msNode.enode] })
      bridgeNode.markTrusted(msNode.enode)
      await bridgeNode.waitForPeer(10_000)
      const bridge = await h.bridge(bridgeNode)
      await page.goto(bridge.pageUrl)
      await page.locator('#conn.ok').waitFor({ timeout: WAIT })
      await page.getByLabel('Topic').fill(topic)
      await page.getByLabel('Password').fill(password)
      await page.getByRole('button', { name: 'Join' }).click()
      await page.getByRole('tab', { name: new RegExp(topic) }).waitFor({ timeout: WAIT })
      await say(talker, 'said live', 50)
      await row(page, 'said live')

      // the history answer reaches the page after the live line, and is put above it
      const lines = await fetchChatHistory(bridgeNode, { mailservers: [msNode.enode], password: 'mailpw', seconds: 3600 }, { topic: Buffer.from(topic, 'hex'), pow: TEST_POW, work: 2 }, 10_000)
      expect(lines[0]).toMatch(/^history: complete from mail server/)
      const old = await row(page, 'said while away')
      const texts = () => page.getByRole('log').locator('li .text').allTextContents()
      expect(await texts()).toEqual(['said while away', 'said live'])
      expect(await old.getAttribute('class')).toContain('history')
      // the bridge still pages by arrival; the page orders by sent time on load too
      const room = bridge.rooms.list().find((r) => r.topic === topic)!.room
      expect(bridge.rooms.history(room, 10).map((m) => m.text)).toEqual(['said live', 'said while away'])
      await page.reload()
      await page.getByRole('tab', { name: new RegExp(topic) }).waitFor({ timeout: WAIT })
      await row(page, 'said while away')
      expect(await texts()).toEqual(['said while away', 'said live'])
      expect(pageErrors).toEqual([])
    } finally {
      await page.close()
      await msNode.stop()
      server.close()
    }
  }, budget(90_000))
})
