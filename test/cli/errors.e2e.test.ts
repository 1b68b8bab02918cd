// Bad input that needs a socket or a running node: one clear line on stderr, exit status 2, no stack
// trace, from the real binary. (The flag and file cases run in-process in errors.test.ts.)
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { Cli, ensureBuilt, expectUsageError, run, LOCAL } from './harness.js'

const GOOD_ID =
  '1f465ada3edb807037f73cd53a9391aa9ccd2342d257288fe8566825582a395175b58576899ba3628a1e6cdf599ac3087ea4910d2693a72fa7e916b86cd0600d'


describe('bad input exits 2 with one line', () => {
  let busy: Server
  let busyPort: number
  beforeAll(async () => {
    ensureBuilt()
    busy = createServer()
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r))
    busyPort = (busy.address() as { port: number }).port
  })
  afterAll(async () => {
    await new Promise<void>((r) => busy.close(() => r()))
  })

  it('port in use', async () => {
    expectUsageError(await run([...LOCAL, '--listen', `127.0.0.1:${busyPort}`]), new RegExp(`127\\.0\\.0\\.1:${busyPort}: address already in use`))
    expectUsageError(await run(['relay', '--bootnodes', 'none', '--listen', `127.0.0.1:${busyPort}`]), /address already in use/)
  })

  it('probe of an unreachable enode', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as { port: number }).port
    await new Promise<void>((r) => closed.close(() => r()))
    expectUsageError(await run(['probe', `enode://${GOOD_ID}@127.0.0.1:${port}`]), /cannot connect|refused|unreachable/i)
    expectUsageError(await run(['probe', 'enode://nope']), /invalid enode URL/)
  })

  it('chat with an unreachable --enode: after --connect-timeout, one line naming it and why', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as { port: number }).port
    await new Promise<void>((r) => closed.close(() => r()))
    expectUsageError(
      await run([...LOCAL, '--connect-timeout', '2', '--enode', `enode://${GOOD_ID}@127.0.0.1:${port}`], 'hello?\n'),
      new RegExp(`cannot reach enode://${GOOD_ID}@127\\.0\\.0\\.1:${port}: .*(refused|ECONNREFUSED).*\\(no peer after 2 s; --connect-timeout 0 waits forever\\)$`),
    )
  })

  it('an enode with the right address but another node id: says that the node there has another id', async () => {
    const other = new Cli(['--bootnodes', 'none', '--listen', '127.0.0.1:0'])
    try {
      const port = (await other.waitFor(/^Listening on /)).replace(/.*:/, '')
      expectUsageError(
        await run([...LOCAL, '--connect-timeout', '3', '--enode', `enode://${GOOD_ID}@127.0.0.1:${port}`], 'hello?\n'),
        new RegExp(`cannot reach enode://${GOOD_ID}@127\\.0\\.0\\.1:${port}: the node at 127\\.0\\.0\\.1:${port} has another node id \\(`),
      )
    } finally {
      await other.dispose()
    }
  })
})
