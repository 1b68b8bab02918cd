// `p2pmessage bridge --rpc --rpc-addr`: the real binary serves JSON-RPC at <bridge>/rpc and on its own
// address, and stops cleanly.
import { createServer } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Cli, ensureBuilt } from '../cli/harness.js'
import { tempDirs } from '../support/temp-dirs.js'
import { httpClient } from './harness.js'

const procs: Cli[] = []
// removed after the processes that write in them are gone
const dirs = tempDirs('p2pmessage-rpc-', null)
const tempDir = dirs.make
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
  dirs.cleanup()
})

const base = (dir: string): string[] => ['bridge', '--bootnodes', 'none', '--pow', '0.01', '--http', '127.0.0.1:0', '--datadir', dir]

describe('p2pmessage bridge --rpc', () => {
  it('serves JSON-RPC under /rpc and on --rpc-addr; SIGTERM exits 0', async () => {
    const dir = tempDir()
    const cli = new Cli([...base(dir), '--rpc-addr', '127.0.0.1:0', '--listen', '127.0.0.1:0'])
    procs.push(cli)
    const bridgeLine = await cli.waitFor(/^bridge http:/)
    const mounted = (await cli.waitFor(/^rpc http:\/\/.*\/rpc$/)).slice(4)
    expect(mounted).toBe(bridgeLine.slice(7).replace(/\/$/, '') + '/rpc')
    const own = (await cli.waitFor(/^rpc http:\/\/127\.0\.0\.1:\d+$/)).slice(4)
    for (const url of [mounted, own]) {
      const c = httpClient(url)
      expect(await c.call('shh_version')).toMatchObject({ result: '6.0' })
      expect((await c.call('web3_clientVersion')).result).toMatch(/^p2pmessage\/v/)
    }
    const enode = (await cli.waitFor(/^enode /)).slice(6)
    expect((await httpClient(own).call('admin_nodeInfo')).result.enode).toBe(enode)
    cli.kill('SIGTERM')
    expect((await cli.exited).code).toBe(0)
  })

  it('without --rpc there is no /rpc', async () => {
    const dir = tempDir()
    const plain = new Cli(base(dir))
    procs.push(plain)
    const url = (await plain.waitFor(/^bridge http:/)).slice(7).replace(/\/$/, '')
    const r = await fetch(`${url}/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":1,"method":"shh_version"}' })
    expect(r.status).toBe(404)
    plain.kill('SIGTERM')
    await plain.exited

  })

  it('a busy --rpc-addr fails before the bridge says it is up', async () => {
    const busy = createServer()
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r))
    const port = (busy.address() as { port: number }).port
    try {
      const cli = new Cli([...base(tempDir()), '--rpc-addr', `127.0.0.1:${port}`])
      procs.push(cli)
      expect((await cli.exited).code).toBe(2)
      expect(cli.stdout).toBe('')
      expect(cli.stderrLines.filter((l) => l.trim() !== '')).toEqual([`p2pmessage: cannot listen on --rpc-addr 127.0.0.1:${port}: address already in use`])
    } finally {
      await new Promise<void>((r) => busy.close(() => r()))
    }
  })
})
