// `p2pmessage bridge` through the real binary: startup lines, persistent keys in --datadir, the
// token flag, flag errors and a clean exit on SIGTERM.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Cli, ensureBuilt, expectUsageError, run } from '../cli/harness.js'
import { tempDirs } from '../support/temp-dirs.js'
import { http } from './http-client.js'

const LOCAL = ['--bootnodes', 'none', '--pow', '0.01', '--work', '1', '--http', '127.0.0.1:0', '--listen', '127.0.0.1:0']

const running: Cli[] = []
// removed after the processes that write in them are gone
const dirs = tempDirs('p2pmessage-bridge-cli-', null)
afterEach(async () => {
  for (const c of running.splice(0)) await c.dispose()
  dirs.cleanup()
})

const datadir = dirs.make

async function startBridge(args: string[]): Promise<{ cli: Cli; url: string; enode: string; identity: string }> {
  const cli = new Cli(['bridge', ...LOCAL, ...args])
  running.push(cli)
  const url = (await cli.waitFor(/^bridge http:\/\//)).slice('bridge '.length).replace(/\/$/, '')
  const enode = (await cli.waitFor(/^enode enode:\/\//)).slice('enode '.length)
  const identity = (await cli.waitFor(/^identity [0-9a-f]{40}$/)).slice('identity '.length)
  await cli.waitFor(/^open http:\/\//)
  return { cli, url, enode, identity }
}

describe('p2pmessage bridge', () => {
  beforeAll(() => ensureBuilt(), 180_000)

  it('serves the API, keeps its keys in --datadir and exits cleanly on SIGTERM', async () => {
    const dir = datadir()
    const first = await startBridge(['--datadir', dir])
    const status = await http(first.url, '/api/status')
    expect(status.status).toBe(200)
    expect(status.json).toMatchObject({ enode: first.enode, address: first.identity, peers: 0 })
    expect((await http(first.url, '/')).text).toContain('<label for="message">Message</label>')
    first.cli.kill('SIGTERM')
    expect((await first.cli.exited).code).toBe(0)

    const second = await startBridge(['--datadir', dir])
    expect(second.enode.split('@')[0]).toBe(first.enode.split('@')[0])
    expect(second.identity).toBe(first.identity)
  })

  it('refuses a second bridge on the same --datadir naming the first one\'s pid, and takes over the lock of a killed one', async () => {
    const dir = datadir()
    const first = await startBridge(['--datadir', dir])
    const r = await run(['bridge', ...LOCAL, '--datadir', dir])
    expectUsageError(r, new RegExp(`--datadir .* is in use by process ${first.cli.child.pid} \\(another bridge on it\\? its lock file: .*LOCK\\)$`))
    first.cli.kill('SIGKILL') // no release: the lock file stays, with a dead pid
    await first.cli.exited
    expect(existsSync(join(dir, 'LOCK'))).toBe(true)
    const second = await startBridge(['--datadir', dir])
    expect(second.identity).toBe(first.identity)
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').split('\n')[0]).toBe(String(second.cli.child.pid))
    second.cli.kill('SIGTERM')
    expect((await second.cli.exited).code).toBe(0)
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
  })

  it('joins its --room rooms, so the API and the page list them', async () => {
    const b = await startBridge(['--datadir', datadir(), '--shh', 'both', '--room', '5eed1e55:a room given at start'])
    const rooms = (await http(b.url, '/api/rooms')).json.rooms
    expect(rooms).toEqual([expect.objectContaining({ topic: '5eed1e55', messages: 0 })])
    expect((await http(b.url, '/api/status')).json.rooms).toEqual(rooms)
  })

  it('without --listen it says that it does not listen instead of printing an enode with port 0', async () => {
    const cli = new Cli(['bridge', '--bootnodes', 'none', '--http', '127.0.0.1:0', '--datadir', datadir()])
    running.push(cli)
    await cli.waitFor(/^open http:\/\//)
    const out = cli.stdoutLines
    expect(out).toHaveLength(4)
    expect(out[0]).toMatch(/^bridge http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(out[1]).toBe('enode none: not listening, this bridge dials out only (add --listen 0.0.0.0:30303 for peers to dial it)')
    expect(out[2]).toMatch(/^identity [0-9a-f]{40}$/)
    expect(out[3]).toMatch(/^open http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(cli.stdout).not.toMatch(/@127\.0\.0\.1:0\b/)
  })

  it('prints and enforces a given token', async () => {
    const token = 'cli-token-abcdefghijkl'
    const b = await startBridge(['--datadir', datadir(), '--token', token])
    await b.cli.waitFor(new RegExp(`^token ${token}$`))
    await b.cli.waitFor(new RegExp(`^open http://127\\.0\\.0\\.1:\\d+/#token=${token}$`))
    expect((await http(b.url, '/api/status')).status).toBe(401)
    expect((await http(b.url, '/api/status', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
  })

  it('reports a busy HTTP port as a clear error', async () => {
    const b = await startBridge(['--datadir', datadir()])
    const port = new URL(b.url).port
    const r = await run(['bridge', '--bootnodes', 'none', '--datadir', datadir(), '--http', `127.0.0.1:${port}`])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/cannot listen on --http 127\.0\.0\.1:\d+: address already in use/)
  })
})
