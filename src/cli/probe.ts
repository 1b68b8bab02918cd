// `p2pmessage probe <enode>`: checks that a remote node behaves like a whisper node of geth's:
// RLPx handshake, hello, shh version, status, accepting a valid envelope, forwarding it to another peer
// (a second connection with another key), dropping a peer that sends an invalid one (a third
// connection sends an envelope dated an hour ahead, which geth's add() rejects with an error).
// Exit 0 only when every check passed, 1 when one failed, 2 for bad input or an unreachable node.
import type { Command } from 'commander'
import { EnodeError, parseEnode, type Enode } from '../p2p/enode.js'
import { ProbeConnectError, ProbeConnection, reasonName, type ProbeClose, type RemoteHello } from '../p2p/probe-connection.js'
import type { ShhPeer } from '../p2p/shh-peer.js'
import { randomBytes } from '../whisper/crypto.js'
import { envelopeHash, envelopePow, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { buildEnvelope, sealMessage } from '../whisper/seal.js'
import { CliError } from './errors.js'
import { toHex } from './format.js'
import { parsePow, parseSeconds, parseShh, parseTopicArg, parseWork, shhVersionsOf } from './options.js'

interface ProbeFlags {
  shh: string
  pow: string
  work: string
  timeout: string
  topic: string
  json?: boolean
}

export interface ProbeCheck {
  name: string
  ok: boolean
  skipped?: boolean
  detail: string
}

export interface ProbeReport {
  target: string
  passed: boolean
  checks: ProbeCheck[]
  hello: RemoteHello | null
  shh: ShhVersion | null
  /** v6 status fields; null for shh/5, whose status carries only the version */
  status: { minPow: number; bloom: string; lightNode: boolean } | null
}

export const CHECK_NAMES = [
  'RLPx handshake',
  'hello',
  'shh version',
  'status',
  'accepts a valid envelope',
  'forwards envelopes',
  'drops a peer sending an invalid envelope',
] as const

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('check that a remote whisper node behaves like geth (handshake, status, accept, forward, drop)')
    .argument('<enode>', 'enode URL of the node to probe')
    .option('--shh <version>', 'versions to offer: 5, 6 or both', 'both')
    .option('--pow <n>', 'proof of work of the test envelope (at least what the node asks for)', '0.2')
    .option('--work <seconds>', 'maximum time spent on that proof of work', '5')
    .option('--timeout <seconds>', 'how long to wait at each step', '10')
    .option('--topic <hex>', 'topic of the test envelopes', 'ffffffff')
    .option('--json', 'print the report as one JSON object')
    .action(async (url: string, flags: ProbeFlags) => {
      const report = await runProbe(url, flags)
      process.stdout.write(flags.json ? JSON.stringify(report) + '\n' : formatReport(report))
      process.exitCode = report.passed ? 0 : 1
    })
}

function parseTarget(url: string): Enode {
  try {
    return parseEnode(url)
  } catch (err) {
    if (err instanceof EnodeError) throw new CliError(err.message)
    throw err
  }
}

async function settle<T>(p: Promise<T>, ms: number): Promise<{ value?: T; error?: Error; timedOut?: boolean }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<{ timedOut: true }>((r) => (timer = setTimeout(() => r({ timedOut: true }), ms)))
  try {
    return await Promise.race([p.then((value) => ({ value }), (error: Error) => ({ error })), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves true when `peer` receives an envelope with `hash` within `ms`. */
function watchFor(peer: ShhPeer, hash: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onEnvs = (envs: Envelope[]) => {
      if (envs.some((e) => toHex(envelopeHash(e)) === hash)) finish(true)
    }
    const onClose = () => finish(false)
    const timer = setTimeout(() => finish(false), ms)
    const finish = (v: boolean) => {
      clearTimeout(timer)
      peer.off('envelopes', onEnvs)
      peer.off('close', onClose)
      resolve(v)
    }
    peer.on('envelopes', onEnvs)
    peer.on('close', onClose)
  })
}

function bloomText(bloom: Uint8Array | null): string {
  return bloom === null ? 'full' : toHex(bloom)
}

export async function runProbe(url: string, flags: ProbeFlags): Promise<ProbeReport> {
  const target = parseTarget(url)
  if (target.port === 0) throw new CliError(`cannot probe ${url}: port 0 (the node does not listen)`)
  const versions = shhVersionsOf(parseShh(flags.shh))
  const powFlag = parsePow(flags.pow)
  const work = parseWork(flags.work)
  const timeoutMs = Math.max(1, parseSeconds(flags.timeout, '--timeout')) * 1000
  const topic = parseTopicArg(flags.topic)

  const checks: ProbeCheck[] = []
  const report: ProbeReport = { target: url.trim(), passed: false, checks, hello: null, shh: null, status: null }
  const pass = (name: string, detail: string) => checks.push({ name, ok: true, detail })
  const fail = (name: string, detail: string) => checks.push({ name, ok: false, detail })
  const finish = () => {
    for (const name of CHECK_NAMES) {
      if (!checks.some((c) => c.name === name)) checks.push({ name, ok: false, skipped: true, detail: 'not run (an earlier check failed)' })
    }
    report.passed = checks.every((c) => c.ok)
    return report
  }
  const open: ProbeConnection[] = []
  const connect = async () => {
    const c = await ProbeConnection.open({ target, shhVersions: versions, timeoutMs })
    open.push(c)
    return c
  }

  try {
    // 1-2: handshake and hello. Not reaching the node at all is an error, not a failed check.
    let a: ProbeConnection
    try {
      a = await connect()
    } catch (err) {
      if (err instanceof ProbeConnectError) throw new CliError(err.message)
      throw err
    }
    const hello = await settle(a.hello, timeoutMs)
    if (!hello.value) {
      if (a.handshakeDone) {
        pass('RLPx handshake', `${target.host}:${target.port}`)
        fail('hello', hello.error?.message ?? `no hello within ${timeoutMs / 1000} s`)
      } else {
        fail('RLPx handshake', hello.error?.message ?? `no answer to our auth within ${timeoutMs / 1000} s (wrong node id?)`)
      }
      return finish()
    }
    const h = hello.value
    report.hello = h
    pass('RLPx handshake', `${target.host}:${target.port}`)
    const caps = h.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || 'none'
    if (h.id !== target.id) {
      fail('hello', `node id in the hello differs from the enode URL`)
      return finish()
    }
    pass('hello', `client ${JSON.stringify(h.clientId)}, base protocol ${h.protocolVersion}, capabilities ${caps}`)

    // 3-4: shh version and status
    const remoteShh = h.capabilities.filter((c) => c.name === 'shh').map((c) => c.version)
    const shared = remoteShh.filter((v): v is ShhVersion => (versions as number[]).includes(v))
    if (shared.length === 0) {
      fail('shh version', remoteShh.length === 0
        ? `the node offers no shh capability (${caps})`
        : `no shh version in common: it offers ${remoteShh.map((v) => `shh/${v}`).join(', ')}, we offer ${versions.map((v) => `shh/${v}`).join(', ')}`)
      return finish()
    }
    const statusA = await settle(a.shh, timeoutMs)
    const expected = Math.max(...shared) as ShhVersion
    if (!statusA.value) {
      pass('shh version', `shh/${expected} (offered: ${versions.map((v) => `shh/${v}`).join(', ')})`)
      fail('status', statusA.error?.message ?? `no status within ${timeoutMs / 1000} s`)
      return finish()
    }
    const peerA = statusA.value
    report.shh = peerA.shh
    pass('shh version', `shh/${peerA.shh} (offered: ${versions.map((v) => `shh/${v}`).join(', ')})`)
    if (peerA.shh === 6) report.status = { minPow: peerA.minPow, bloom: bloomText(peerA.bloom), lightNode: peerA.lightNode }
    pass('status', peerA.shh === 6
      ? `min PoW ${peerA.minPow}, bloom ${peerA.bloom === null ? 'full (all topics)' : 'partial'}, light node ${peerA.lightNode ? 'yes' : 'no'}`
      : 'shh/5 status (version only)')

    // 5-6: a second connection watches for the envelope sent on the first
    const b = await connect().catch((err: Error) => err)
    const statusB = b instanceof Error ? { error: b } : await settle(b.shh, timeoutMs)
    const pow = Math.max(powFlag, peerA.minPow)
    let env: Envelope
    try {
      env = sealMessage({
        shh: peerA.shh,
        topic,
        payload: new TextEncoder().encode(`p2pmessage probe ${new Date().toISOString()}`),
        symKey: randomBytes(32),
        ttl: 60,
        pow,
        workTime: work,
      })
    } catch (err) {
      throw new CliError(`cannot seal the test envelope with PoW ${pow} in ${work} s: ${(err as Error).message} (raise --work)`)
    }
    const hash = toHex(envelopeHash(env))
    const seen = statusB.value ? watchFor(statusB.value, hash, timeoutMs) : Promise.resolve(false)
    peerA.sendEnvelopes([env])
    const forwarded = await seen
    if (!forwarded) await settle(a.closed, Math.min(2000, timeoutMs)) // give a rejection time to show
    const desc = `envelope ${hash.slice(0, 16)}… (PoW ${envelopePow(env).toFixed(3)})`
    if (a.isOpen) pass('accepts a valid envelope', `${desc}: still connected${forwarded ? ', and it was forwarded' : ''}`)
    else fail('accepts a valid envelope', `${desc}: ${closeText(await a.closed)} after it`)
    if (!statusB.value) fail('forwards envelopes', `second connection failed: ${statusB.error?.message ?? 'no status'}`)
    else if (forwarded) pass('forwards envelopes', `the envelope reached a second connection (another node id)`)
    else fail('forwards envelopes', `the envelope did not reach a second connection within ${timeoutMs / 1000} s`)

    // 7: a third connection sends an envelope from the future
    const c = await connect().catch((err: Error) => err)
    const statusC = c instanceof Error ? { error: c } : await settle(c.shh, timeoutMs)
    if (c instanceof Error || !statusC.value) {
      fail('drops a peer sending an invalid envelope', `third connection failed: ${statusC.error?.message ?? 'no status'}`)
      return finish()
    }
    const future = buildEnvelope({
      shh: statusC.value.shh,
      topic,
      payload: new TextEncoder().encode('from the future'),
      symKey: randomBytes(32),
      ttl: 60,
      pow: 0,
      workTime: 0,
      now: Math.floor(Date.now() / 1000) + 3600,
    })
    statusC.value.sendEnvelopes([future])
    const dropped = await settle(c.closed, timeoutMs)
    if (dropped.value && !dropped.value.byUs) {
      pass('drops a peer sending an invalid envelope', `envelope dated 1 h ahead: ${closeText(dropped.value)}`)
    } else {
      fail('drops a peer sending an invalid envelope', `envelope dated 1 h ahead: still connected after ${timeoutMs / 1000} s`)
    }
    return finish()
  } finally {
    for (const c of open) c.close()
    await Promise.all(open.map((c) => settle(c.closed, 3000)))
  }
}

function closeText(c: ProbeClose): string {
  if (c.byUs) return 'connection closed by us'
  return c.reason === null ? 'it closed the connection' : `it disconnected us (${reasonName(c.reason)})`
}

export function formatReport(r: ProbeReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length))
  const lines = [`probe ${r.target}`]
  for (const c of r.checks) lines.push(`  ${c.ok ? 'ok  ' : c.skipped ? 'skip' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`)
  const passed = r.checks.filter((c) => c.ok).length
  // a check not run (after an earlier failure) did not fail: counted apart
  const skipped = r.checks.filter((c) => !c.ok && c.skipped).length
  const failed = r.checks.length - passed - skipped
  lines.push(r.passed ? `all ${passed} checks passed` : `${failed} of ${r.checks.length} checks failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
  return lines.join('\n') + '\n'
}
