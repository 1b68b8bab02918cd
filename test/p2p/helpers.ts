// Shared helpers for the p2p tests: hosts on 127.0.0.1 with ephemeral ports, event waits with a
// deadline (a missed event fails the test instead of hanging it), geth fixture envelopes.
import { readFileSync } from 'node:fs'
import type { EventEmitter } from 'node:events'
import { P2PHost, type P2PHostOptions } from '../../src/p2p/host.js'
import { generateNodeKey } from '../../src/p2p/nodekey.js'
import type { ShhPeer } from '../../src/p2p/shh-peer.js'
import { decodeEnvelope, type Envelope, type ShhVersion } from '../../src/whisper/envelope.js'

export const logs: string[] = []
export const DEBUG = process.env.P2P_TEST_LOG === '1'

export function makeHost(opts: Partial<P2PHostOptions> = {}): P2PHost {
  return new P2PHost({
    privateKey: generateNodeKey(),
    listen: { host: '127.0.0.1', port: 0 },
    redialMinMs: 50,
    redialMaxMs: 400,
    logger: (level, msg) => {
      logs.push(msg)
      if (DEBUG) process.stderr.write(`[${level}] ${msg}\n`)
    },
    ...opts,
  })
}

export function waitEvent<T extends unknown[]>(
  em: EventEmitter,
  event: string,
  filter: (...args: T) => boolean = () => true,
  ms = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      em.off(event, on)
      reject(new Error(`timed out waiting for '${event}'`))
    }, ms)
    const on = (...args: unknown[]) => {
      if (!filter(...(args as T))) return
      clearTimeout(timer)
      em.off(event, on)
      resolve(args as T)
    }
    em.on(event, on)
  })
}

export function waitPeer(host: P2PHost, id?: string, ms?: number): Promise<ShhPeer> {
  const existing = host.peers().find((p) => id === undefined || p.id === id)
  if (existing) return Promise.resolve(existing)
  return waitEvent<[ShhPeer]>(host, 'peer', (p) => id === undefined || p.id === id, ms).then(([p]) => p)
}

export async function until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

interface FixtureFile {
  envelopes: { name: string; rlp: string }[]
  messagesPacket: { rlp: string; envelopeNames: string[] }
  status: { rlp: string }[]
  powRequirementPacket?: { pow: number; rlp: string }
  bloomFilterExPacket?: { rlp: string; topic: string }
  bloom?: { topic: string; bloom: string }[]
}

export function fixture(shh: ShhVersion): FixtureFile {
  return JSON.parse(readFileSync(new URL(`../../fixtures/shh${shh}-geth.json`, import.meta.url), 'utf8')) as FixtureFile
}

export function fixtureEnvelopes(shh: ShhVersion): { name: string; rlp: Uint8Array; env: Envelope }[] {
  return fixture(shh).envelopes.map((e) => {
    const rlp = Uint8Array.from(Buffer.from(e.rlp, 'hex'))
    return { name: e.name, rlp, env: decodeEnvelope(shh, rlp) }
  })
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
