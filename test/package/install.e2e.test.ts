// The package as a user gets it: `npm pack` (prepack builds dist/), the tarball's file list checked
// against what a user needs, then the real `npm install <tarball>` into an empty directory (the
// dependencies from a loopback registry built from our node_modules, so nothing leaves the machine)
// and the installed copy used three ways: `npx p2pmessage`, a relay and chats from its bin, and
// `import('p2pmessage')` from `node -e`. better-sqlite3 is left out (--omit=optional, as when it
// cannot build): everything but the SQLite features must work, and those must say what is missing.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Cli, CHAT_LINE, LOCAL, LOCAL_RELAY, ROOT } from '../cli/harness.js'
import { tempDirs } from '../support/temp-dirs.js'
import { startLocalRegistry, type LocalRegistry } from './local-registry.js'
import { checkPackFiles, PACK_LIMITS } from './pack-files.js'

const run = promisify(execFile)
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** The environment of a user's shell: none of the npm_* variables an outer `npm test` sets. */
function userEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v
  return { ...env, HOME: home, npm_config_update_notifier: 'false' }
}

interface PackResult {
  filename: string
  size: number
  unpackedSize: number
  entryCount: number
  files: { path: string; size: number }[]
}

const dirs = tempDirs('p2pmessage-package-', null)
let registry: LocalRegistry
let work: string
let app: string
let pack: PackResult
let installMs: number
const procs: Cli[] = []

beforeAll(async () => {
  work = dirs.make()
  app = join(work, 'app')
  const env = userEnv(work)
  writeFileSync(join(work, '.npmrc'), '')
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env, maxBuffer: 64 << 20 })
  pack = (JSON.parse(packed.stdout) as PackResult[])[0]
  registry = await startLocalRegistry(join(ROOT, 'node_modules'), work)
  await run('mkdir', [app])
  const t0 = performance.now()
  await run('npm', ['install', '--registry', registry.url, '--cache', join(work, 'npm-cache'), '--userconfig', join(work, '.npmrc'),
    '--omit=optional', '--no-audit', '--no-fund', '--loglevel=error', join(work, pack.filename)], { cwd: app, env })
  installMs = performance.now() - t0
}, 300_000)

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})
afterAll(async () => {
  await registry?.close()
  dirs.cleanup()
})

const installed = (...p: string[]) => join(app, 'node_modules/p2pmessage', ...p)
function spawnInstalled(args: string[]): Cli {
  const c = new Cli(args, { script: [installed('bin/p2pmessage')], cwd: app })
  procs.push(c)
  return c
}

describe('npm pack', () => {
  it(`holds exactly what a user needs, within ${PACK_LIMITS.bytes / 1000} kB packed and ${PACK_LIMITS.files} files`, () => {
    const problems = checkPackFiles(pack.files.map((f) => f.path), ROOT)
    expect(problems).toEqual([])
    expect(pack.size).toBeLessThanOrEqual(PACK_LIMITS.bytes)
    expect(pack.entryCount).toBeLessThanOrEqual(PACK_LIMITS.files)
    console.log(`tarball ${pack.filename}: ${pack.size} bytes packed, ${pack.unpackedSize} unpacked, ${pack.entryCount} files; install ${installMs.toFixed(0)} ms`)
  })
})

describe('installed from the tarball into an empty directory', () => {
  it('took its dependencies from the registry, without better-sqlite3', () => {
    expect(registry.downloaded).toContain('@ethereumjs/devp2p@10.0.0')
    expect([...registry.downloaded].filter((d) => d.startsWith('better-sqlite3@'))).toEqual([])
    expect(existsSync(join(app, 'node_modules/better-sqlite3'))).toBe(false)
    expect(existsSync(installed('dist/src/node/index.d.ts'))).toBe(true)
  })

  it('npx p2pmessage --version and --help', async () => {
    const env = userEnv(work)
    const v = await run('npx', ['p2pmessage', '--version'], { cwd: app, env })
    expect(v.stdout).toBe(`${VERSION}\n`)
    const h = await run('npx', ['p2pmessage', '--help'], { cwd: app, env })
    expect(h.stdout).toMatch(/^Usage: p2pmessage /)
    for (const command of ['chat', 'relay', 'bridge', 'probe', 'keygen']) expect(h.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'))
  })

  it('a relay carries a chat line to another chat, and to a node started with import("p2pmessage")', async () => {
    const relay = spawnInstalled(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0'])
    const enode = await relay.waitFor(/^enode:\/\//)
    const room = ['--topic', 'ffff0000', '--password', 'package test']
    const reader = spawnInstalled([...LOCAL, ...room, '--enode', enode])
    await reader.waitFor(/^Connected to peer/)
    // what a user types after `npm install p2pmessage`: the package by name, from the app directory
    const script = `import('p2pmessage').then(async ({ WhisperNode, parseTopic, symKeyFromPassword, utf8 }) => {
      const node = new WhisperNode({ staticPeers: [process.argv[1]], minPow: 0.01, verbosity: 0 })
      await node.start()
      const topic = parseTopic('ffff0000'), symKey = symKeyFromPassword('package test')
      node.subscribe({ topics: [topic], symKey }, async (m) => {
        if (m.mine) return
        console.log('received: ' + new TextDecoder().decode(m.payload))
        await node.post({ topic, symKey, payload: utf8('answer from the library'), ttl: 50, pow: 0.01, workTime: 1 })
      })
      await node.waitForPeer(30000)
      console.log('joined')
    })`
    const lib = new Cli([enode], { script: ['-e', script], cwd: app })
    procs.push(lib)
    await lib.waitFor(/^joined$/)
    const writer = spawnInstalled([...LOCAL, ...room, '--enode', enode])
    writer.end('from the installed chat\n')
    expect((await writer.exited).code).toBe(0)
    expect(await reader.waitFor(/: from the installed chat$/)).toMatch(CHAT_LINE)
    await lib.waitFor(/^received: from the installed chat$/)
    expect(await reader.waitFor(/: answer from the library$/)).toMatch(CHAT_LINE)
    expect(lib.stderr).toBe('')
  })

  it('a TypeScript program type-checks against the installed declarations of all four entry points', async () => {
    // what a user's strict project compiles; @types/node from this repository (an app has its own).
    // skipLibCheck as `tsc --init` sets it: @ethereumjs/devp2p's declarations name `debug`'s types, which it does not ship
    writeFileSync(join(app, 'app.ts'), [
      "import { WhisperNode, parseTopic, symKeyFromPassword, utf8, type DeliveredMessage } from 'p2pmessage'",
      "import { sealMessage, openEnvelope, type ReceivedMessage } from 'p2pmessage/whisper'",
      "import { createRpcHandler } from 'p2pmessage/rpc'",
      "import { runSuite, formatText, type SuiteReport } from 'p2pmessage/conformance'",
      "const node = new WhisperNode({ verbosity: 0, listen: { host: '127.0.0.1', port: 0 } })",
      "const topic = parseTopic('44c7429f'), symKey = symKeyFromPassword('x')",
      "node.subscribe({ topics: [topic], symKey }, (m: DeliveredMessage) => console.log(m.payload.length))",
      "const opened: ReceivedMessage = openEnvelope(sealMessage({ shh: 6, topic, payload: utf8('a'), symKey, ttl: 10, pow: 0, workTime: 1 }), { symKey })",
      "createRpcHandler({ node }).close().then(() => opened)",
      "runSuite({ enode: node.enode, shh: 6, timeoutMs: 1000, pow: 0.2 }).then((r: SuiteReport) => formatText(r))",
      "// @ts-expect-error the node's logger is internal: not in the declarations",
      "void node.log",
      "// @ts-expect-error a post needs its ttl, pow and work time",
      "void node.post({ topic, symKey, payload: utf8('a') })",
      '',
    ].join('\n'))
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: true,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      files: ['app.ts'],
    }))
    const r = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app })
      .catch((err: { stdout: string }) => ({ stdout: err.stdout, failed: true }))
    expect(r.stdout).toBe('')
    expect('failed' in r).toBe(false)
  }, 300_000) // tsc over @types/node and the package: tens of seconds of CPU

  it('bridge says in one line that it needs better-sqlite3 and how to get it', async () => {
    const bridge = spawnInstalled(['bridge', '--bootnodes', 'none', '--http', '127.0.0.1:0', '--datadir', join(work, 'bridge')])
    const exit = await bridge.exited
    expect(exit.code).not.toBe(0)
    expect(bridge.stderrLines).toEqual([
      "p2pmessage: cannot start the bridge: the bridge's room history needs SQLite: the optional dependency better-sqlite3 is not installed (it needs a C++ toolchain to build): run `npm install better-sqlite3`",
    ])
  })
})
