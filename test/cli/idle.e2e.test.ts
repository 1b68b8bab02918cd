// What stays unloaded until it is needed (docs/memory.md): an idle relay, and an idle chat connected to
// it, start no seal worker and never load noble's AES (1.3 MB of tables built at import; the runtime's
// OpenSSL does AES). Each process logs the modules it and its workers resolve (test/support/module-log.mjs);
// the controls show the log sees what is loaded: a node module the relay must load, and the seal worker
// of a seal above the inline limit.
import { spawn, execFile } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ROOT } from './harness.js'
import { tempDirs } from '../support/temp-dirs.js'

const BIN = join(ROOT, 'bin/p2pmessage')
const HOOKS = join(ROOT, 'test/support/module-log.mjs')
const NOBLE_AES = /@noble\/ciphers\/aes\.js$/m
const SEAL_WORKER = /dist\/src\/node\/seal-worker\.js$/m

const children: ReturnType<typeof spawn>[] = []
// the processes go before the directories their logs are in
const temp = tempDirs('idle-', null)
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => {
    if (c.exitCode !== null || c.signalCode !== null) return undefined
    const gone = once(c, 'exit')
    c.kill('SIGKILL')
    return gone
  }))
  temp.cleanup()
})

/** Starts the CLI with the module log; resolves when a line of its stdout matches `until`. */
function startLogged(args: string[], log: string, until: RegExp): Promise<{ line: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, ['--import', HOOKS, BIN, ...args], { env: { ...process.env, MODULE_LOG: log }, stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n').find((l) => until.test(l))
      if (line !== undefined) resolve({ line, child })
    })
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${until}:\n${out}\n${err}`)))
  })
}

describe('idle commands load only what they use', () => {
  beforeAll(() => ensureBuilt())

  it('an idle relay and an idle chat connected to it: no seal worker, no noble AES', async () => {
    const dir = temp.make()
    const relayLog = join(dir, 'relay.log')
    const chatLog = join(dir, 'chat.log')
    const relay = await startLogged(['relay', '--bootnodes', 'none', '--listen', '127.0.0.1:0', '--status', '0'], relayLog, /^enode:\/\//)
    const joined = new Promise<void>((resolve) => relay.child.stdout!.on('data', (d: Buffer) => { if (/peer joined/.test(d.toString())) resolve() }))
    const chat = spawn(process.execPath, ['--import', HOOKS, BIN, 'chat', '--bootnodes', 'none', '--enode', relay.line, '--verbosity', '1'],
      { env: { ...process.env, MODULE_LOG: chatLog }, stdio: ['pipe', 'pipe', 'pipe'] })
    children.push(chat)
    await joined
    const relayModules = readFileSync(relayLog, 'utf8')
    const chatModules = readFileSync(chatLog, 'utf8')
    expect(relayModules).toMatch(/dist\/src\/node\/seal-pool\.js$/m) // control: the log sees the node's modules
    expect(chatModules).toMatch(/dist\/src\/node\/seal-pool\.js$/m)
    for (const modules of [relayModules, chatModules]) {
      expect(modules).not.toMatch(SEAL_WORKER)
      expect(modules).not.toMatch(NOBLE_AES)
    }
  })

  it('control: a seal above the inline limit starts a seal worker, and the log sees it', async () => {
    const dir = temp.make()
    const log = join(dir, 'seal.log')
    // a file, not -e: a worker inherits the process's flags, and --input-type would fail it
    const script = join(dir, 'seal.mjs')
    writeFileSync(script, `
      const { SealPool } = await import(${JSON.stringify(join(ROOT, 'dist/src/node/seal-pool.js'))})
      const pool = new SealPool({ threads: 1 })
      await pool.sealNonce(6, new Uint8Array(100), { targetBits: pool.inlineMaxBits + 1, workTimeMs: 600000 })
      await pool.close()`)
    await promisify(execFile)(process.execPath, ['--import', HOOKS, script], { env: { ...process.env, MODULE_LOG: log } })
    expect(readFileSync(log, 'utf8')).toMatch(SEAL_WORKER)
  })
})
