// Runs the checks against one node: learns its shh (and waku) versions from a hello, then per version
// builds a SuiteContext (a WakuContext for the waku group) and runs the applicable checks concurrently (scheduler.ts: one at a time once the
// node refuses us a peer slot), the ones that change node settings alone at the end. A check that
// throws fails with the message; SkipCheck skips it; every check is bounded in time.
import { parseEnode, type Enode } from '../p2p/enode.js'
import { RawShhConnection } from '../p2p/raw-shh-connection.js'
import { isFullBloom } from '../whisper/bloom.js'
import type { ShhVersion } from '../whisper/envelope.js'
import { WAKU_CAPABILITY_NAME, type WakuVersion } from '../waku/codes.js'
import { ALL_CHECKS } from './checks/index.js'
import { SuiteContext } from './context.js'
import { NoPeerSlot, PeerSlots, refusedForSlot } from './peer-slots.js'
import { RpcClient } from './rpc-client.js'
import { Lanes, noSlotDetail, runCheck, withSlot } from './scheduler.js'
import type { Check, CheckResult, Group, SuiteReport } from './types.js'
import { WakuContext } from './waku-context.js'

/** What runSuite probes and how. */
export interface RunOptions {
  /** The node to probe, `enode://<id>@<host>:<port>`. */
  enode: string
  /** Versions to test; 'both' tests each the node offers; 'none' skips every shh group (a Waku-only probe). */
  shh: 5 | 6 | 'both' | 'none'
  /**
   * Waku versions the waku group runs on (each the node offers). Given (from `--protocols`), the
   * first hello offers exactly the shh and waku versions named; absent, both waku versions.
   */
  waku?: (0 | 1)[]
  /** The node's JSON-RPC URL (http(s) or ws(s)): enables the rpc group and the checks that change its settings. */
  rpc?: string
  /** Run only these groups. */
  only?: Group[]
  /** Only the quick subset (a first look in a few seconds). */
  quick?: boolean
  /** How long to wait for each expected answer; every check is bounded by 3 x this + 10 s. */
  timeoutMs: number
  /** PoW of our envelopes when the node does not announce its minimum */
  pow: number
  /** the node's mail server password: enables the mail group */
  mailPassword?: string
  /** Checks run at once (default 8). */
  concurrency?: number
}

function selectChecks(o: Pick<RunOptions, 'only' | 'quick'>): Check[] {
  return ALL_CHECKS.filter((c) => (!o.quick || c.quick) && (!o.only || o.only.includes(c.group)))
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

/** Resolves the report; rejects only for bad input or a node that cannot be reached at all. */
export async function runSuite(o: RunOptions): Promise<SuiteReport> {
  const t0 = Date.now()
  const target: Enode = parseEnode(o.enode)
  const report: SuiteReport = { target: o.enode.trim(), node: null, rpc: o.rpc ?? null, results: [], passed: 0, failed: 0, skipped: 0, ms: 0, ok: false, maxConnections: 0, refusedSlots: 0 }
  const checks = selectChecks(o)
  const wakuChecks = checks.filter((c) => c.group === 'waku')
  const shhChecks = checks.filter((c) => c.group !== 'waku')
  const slots = new PeerSlots()
  const width = o.concurrency ?? 4
  const lanes = new Lanes(width, o.timeoutMs)
  const wanted: ShhVersion[] = o.shh === 'both' ? [6, 5] : o.shh === 'none' ? [] : [o.shh]
  const wakuWanted: WakuVersion[] = ([1, 0] as WakuVersion[]).filter((v) => o.waku === undefined || o.waku.includes(v))
  const rpc = o.rpc ? await RpcClient.connect(o.rpc, o.timeoutMs) : null
  try {
    // which shh versions the node offers: one hello (TCP failure rejects: nothing to report on)
    const hello = await withSlot(async () => {
      const caps = o.waku !== undefined
        ? [...wanted.map((v) => ({ name: 'shh', version: v })), ...o.waku.map((v) => ({ name: WAKU_CAPABILITY_NAME, version: v }))]
        : [{ name: 'shh', version: 5 }, { name: 'shh', version: 6 }]
      if (o.waku === undefined && wakuChecks.length > 0) caps.push({ name: WAKU_CAPABILITY_NAME, version: 0 }, { name: WAKU_CAPABILITY_NAME, version: 1 })
      const first = await RawShhConnection.open({ target, shh: 6, capabilities: caps, timeoutMs: o.timeoutMs, status: 'none' })
      slots.track(first)
      const h = await first.hello.catch((e: Error) => e)
      // geth refuses before its hello (our relay right after it, but then the hello is all we need)
      const refused = h instanceof Error && refusedForSlot(await first.waitClosed(0))
      first.close()
      await first.waitClosed(3000)
      if (refused) throw new NoPeerSlot()
      return h
    }, lanes)
    const unrun = (shh: ShhVersion | null, why: string, list: Check[]) => {
      for (const c of list) report.results.push({ id: c.id, group: c.group, shh, rule: c.rule, source: c.source, status: c.id === 'rlpx.handshake' && hello instanceof Error ? 'fail' : 'skip', detail: why, ms: 0 })
    }
    if (hello === null) {
      unrun(null, noSlotDetail(lanes.slotWaitMs), checks)
      return finish(report, t0, slots)
    }
    if (hello instanceof Error) {
      unrun(null, hello.message, checks)
      return finish(report, t0, slots)
    }
    const offered = hello.capabilities.filter((c) => c.name === 'shh').map((c) => c.version)
    const versions = wanted.filter((v) => offered.includes(v))
    const wakuOffered = hello.capabilities.filter((c) => c.name === WAKU_CAPABILITY_NAME).map((c) => c.version)
    const wakuVersions = wakuWanted.filter((v) => wakuOffered.includes(v))
    report.node = {
      clientId: hello.clientId,
      baseProtocol: hello.protocolVersion,
      capabilities: hello.capabilities.map((c) => `${c.name}/${c.version}`),
      shh: versions,
      ...(wakuChecks.length > 0 ? { waku: wakuVersions } : {}),
      status: {},
    }
    const limit = o.timeoutMs * 3 + 10_000
    if (wanted.length === 0) {
      const why = `no shh version to test: --protocols names only ${wakuWanted.map((v) => `${WAKU_CAPABILITY_NAME}/${v}`).join(', ')}`
      for (const c of shhChecks) report.results.push({ id: c.id, group: c.group, shh: null, rule: c.rule, source: c.source, status: 'skip', detail: why, ms: 0 })
    } else if (versions.length === 0 && shhChecks.length > 0) {
      const why = `no shh version in common: the node offers ${hello.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || 'nothing'}, we test ${wanted.map((v) => `shh/${v}`).join(', ')}`
      for (const c of shhChecks) {
        const failIt = c.id === 'rlpx.capabilities' || c.id === 'rlpx.handshake' || c.id === 'rlpx.hello-id'
        report.results.push({ id: c.id, group: c.group, shh: null, rule: c.rule, source: c.source, status: failIt && c.id === 'rlpx.capabilities' ? 'fail' : failIt ? 'pass' : 'skip', detail: failIt && c.id !== 'rlpx.capabilities' ? `client ${JSON.stringify(hello.clientId)}` : why, ms: 0 })
      }
    }
    // one version after the other: a node has few peer slots (geth 1.9.7: 17 inbound by default)
    for (const [i, shh] of versions.entries()) await (async () => {
      const list = shhChecks.filter((c) => (!c.versions || c.versions.includes(shh)) && (!c.once || i === 0))
      const ctx = new SuiteContext({ target, shh, timeoutMs: o.timeoutMs, pow: o.pow, rpc, mailPassword: o.mailPassword ?? null, slots })
      const results: CheckResult[] = []
      try {
        try {
          const ready = await withSlot(() => ctx.init().then(() => true), lanes)
          if (!ready) {
            for (const c of list) results.push({ id: c.id, group: c.group, shh, rule: c.rule, source: c.source, status: 'skip', detail: noSlotDetail(lanes.slotWaitMs), ms: 0 })
            return
          }
        } catch (err) {
          const why = `no shh/${shh} session: ${(err as Error).message}`
          for (const c of list) results.push({ id: c.id, group: c.group, shh, rule: c.rule, source: c.source, status: c.group === 'rlpx' || c.id.startsWith('status.') ? 'fail' : 'skip', detail: why, ms: 0 })
          return
        }
        report.node!.status[`shh/${shh}`] = shh === 6 ? { minPow: ctx.node.status.minPow, bloom: isFullBloom(ctx.node.status.bloom ?? null) ? 'full' : 'partial', lightNode: ctx.node.status.lightNode } : {}
        const shared = list.filter((c) => !c.exclusive)
        const alone = list.filter((c) => c.exclusive)
        const byId = new Map<string, CheckResult>()
        await pool(shared, width, async (c) => {
          byId.set(c.id, await runCheck(c, ctx, shh, limit, lanes))
        })
        for (const c of alone) byId.set(c.id, await runCheck(c, ctx, shh, limit, lanes))
        for (const c of list) results.push(byId.get(c.id)!)
      } finally {
        report.results.push(...results)
        await ctx.cleanup()
      }
    })()
    if (wakuChecks.length > 0) await runWaku(report, wakuChecks, wakuVersions, wakuWanted, { target, o, rpc, slots, lanes, width, limit })
    // report order: check order, then version
    const order = new Map(ALL_CHECKS.map((c, i) => [c.id, i]))
    report.results.sort((a, b) => order.get(a.id)! - order.get(b.id)! || (b.shh ?? 0) - (a.shh ?? 0) || (b.cap ?? '').localeCompare(a.cap ?? ''))
    return finish(report, t0, slots)
  } finally {
    rpc?.close()
  }
}

interface WakuRun {
  target: Enode
  o: RunOptions
  rpc: RpcClient | null
  slots: PeerSlots
  lanes: Lanes
  width: number
  limit: number
}

/** The waku group, once per waku version the node offers (waku/1 first), like the shh versions above. */
async function runWaku(report: SuiteReport, checks: Check[], versions: WakuVersion[], wanted: WakuVersion[], r: WakuRun): Promise<void> {
  const skipAll = (list: Check[], cap: string | undefined, status: 'skip' | 'fail', why: string) => {
    for (const c of list) report.results.push({ id: c.id, group: c.group, shh: null, ...(cap ? { cap } : {}), rule: c.rule, source: c.source, status, detail: why, ms: 0 })
  }
  if (wanted.length === 0) return skipAll(checks, undefined, 'skip', '--protocols names no waku version')
  if (versions.length === 0) {
    const caps = report.node?.capabilities.join(', ') || 'nothing'
    return skipAll(checks, undefined, 'skip', `no waku version in common: the node offers ${caps}, we test ${wanted.map((v) => `${WAKU_CAPABILITY_NAME}/${v}`).join(', ')}`)
  }
  for (const waku of versions) {
    const cap = `${WAKU_CAPABILITY_NAME}/${waku}`
    const list = checks.filter((c) => !c.wakuVersions || c.wakuVersions.includes(waku))
    const ctx = new WakuContext({ target: r.target, waku, timeoutMs: r.o.timeoutMs, pow: r.o.pow, rpc: r.rpc, mailPassword: r.o.mailPassword ?? null, slots: r.slots })
    try {
      try {
        const ready = await withSlot(() => ctx.init().then(() => true), r.lanes)
        if (!ready) {
          skipAll(list, cap, 'skip', noSlotDetail(r.lanes.slotWaitMs))
          continue
        }
      } catch (err) {
        // the status check fails with the reason; the others cannot run
        for (const c of list) report.results.push({ id: c.id, group: c.group, shh: null, cap, rule: c.rule, source: c.source, status: c.id === 'waku.status-options' ? 'fail' : 'skip', detail: `no ${cap} session: ${(err as Error).message}`, ms: 0 })
        continue
      }
      const st = ctx.wakuStatus
      report.node!.status[cap] = { minPow: ctx.node.status.minPow, bloom: st.topicInterest ? `topic interest (${st.topicInterest.length})` : isFullBloom(ctx.node.status.bloom ?? null) ? 'full' : 'partial', lightNode: ctx.node.status.lightNode }
      const byId = new Map<string, CheckResult>()
      await pool(list.filter((c) => !c.exclusive), r.width, async (c) => {
        byId.set(c.id, { ...(await runCheck(c, ctx, null, r.limit, r.lanes)), cap })
      })
      for (const c of list.filter((x) => x.exclusive)) byId.set(c.id, { ...(await runCheck(c, ctx, null, r.limit, r.lanes)), cap })
      for (const c of list) report.results.push(byId.get(c.id)!)
    } finally {
      await ctx.cleanup()
    }
  }
}

function finish(r: SuiteReport, t0: number, slots: PeerSlots): SuiteReport {
  r.maxConnections = slots.peak
  r.refusedSlots = slots.refusals
  r.passed = r.results.filter((x) => x.status === 'pass').length
  r.failed = r.results.filter((x) => x.status === 'fail').length
  r.skipped = r.results.filter((x) => x.status === 'skip').length
  r.ok = r.failed === 0
  r.ms = Date.now() - t0
  return r
}
