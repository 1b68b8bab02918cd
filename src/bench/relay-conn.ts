// One connection of the relay load generator (relay-load.ts, relay-sender.ts) to the node under test,
// over shh (a ProbeConnection, which can find the version the target offers) or over Waku (a P2PHost of
// its own per connection, offering that one waku capability: each connection is a separate peer with
// its own node key, as with shh). Senders ask for nothing back (an all-zero bloom), receivers for
// everything (no bloom, no topic interest), on both families.
import { ProbeConnection } from '../p2p/probe-connection.js'
import { P2PHost } from '../p2p/host.js'
import { parseEnode } from '../p2p/enode.js'
import { generateNodeKey } from '../p2p/nodekey.js'
import type { NetPeer } from '../p2p/net-peer.js'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'

/** What the generator speaks: an shh version, or a waku capability (shh/6's envelope format). */
export type LoadProtocol = ShhVersion | 'waku/0' | 'waku/1'

export function loadProtocolName(p: LoadProtocol): string {
  return typeof p === 'number' ? `shh/${p}` : p
}

export interface LoadPeer {
  readonly clientId: string
  readonly bufferedBytes: number
  sendEnvelopes(envs: Envelope[]): boolean
  on(event: 'envelopes', listener: (envs: Envelope[]) => void): unknown
}

export interface LoadConn {
  peer: LoadPeer
  /** the protocol the session runs (with shh found from the target when none was given) */
  protocol: LoadProtocol
  /** the target's announced PoW requirement; null on shh/5, whose status has none */
  minPow: number | null
  /** settles once the connection is gone */
  closed: Promise<unknown>
  close(): void
}

const WAKU_CONNECT_MS = 15_000

/** Opens a connection; shh null: offer shh/6 and shh/5 and take what the target shares. */
export async function openLoadConn(enode: string, protocol: LoadProtocol | null, recv: boolean): Promise<LoadConn> {
  const bloom = recv ? null : new Uint8Array(64)
  if (protocol === 'waku/0' || protocol === 'waku/1') return openWaku(enode, protocol, bloom)
  const conn = await ProbeConnection.open({
    target: parseEnode(enode),
    privateKey: generateNodeKey(),
    shhVersions: protocol === null ? [6, 5] : [protocol],
    ourStatus: { minPow: 0, bloom, lightNode: false },
  })
  try {
    const peer = await conn.shh
    return { peer, protocol: peer.shh, minPow: peer.shh === 5 ? null : peer.minPow, closed: conn.closed, close: () => conn.close() }
  } catch (err) {
    conn.close()
    const offered = await conn.hello.then((h) => h.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || 'nothing', () => null)
    const hint = offered === null ? '' : ` (the target offers ${offered}${protocol === null ? '' : `; --shh ${protocol === 6 ? 5 : 6} or no --shh to find the version`})`
    throw new Error(`${enode.slice(0, 24)}…: no shh${protocol === null ? '' : `/${protocol}`} session: ${(err as Error).message}${hint}`)
  }
}

async function openWaku(enode: string, cap: 'waku/0' | 'waku/1', bloom: Uint8Array | null): Promise<LoadConn> {
  const host = new P2PHost({ privateKey: generateNodeKey(), protocols: [cap], minPow: 0, bloom, status: { topics: null }, logger: () => {} })
  await host.start()
  let peer: NetPeer
  try {
    peer = await new Promise<NetPeer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${cap} session within ${WAKU_CONNECT_MS / 1000} s`)), WAKU_CONNECT_MS)
      host.once('peer', (p) => {
        clearTimeout(timer)
        resolve(p)
      })
      host.on('dial:result', (r) => {
        if (r.ok) return
        clearTimeout(timer)
        reject(new Error(r.error ?? 'dial failed'))
      })
      // a target without waku says "useless peer" once both hellos are through: that is the close of the dial
      host.addPeer(enode)
    })
  } catch (err) {
    await host.stop()
    throw new Error(`${enode.slice(0, 24)}…: no ${cap} session: ${(err as Error).message} (does the target offer ${cap}? start it with --protocols ${cap})`)
  }
  const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()))
  let stopping: Promise<void> | null = null
  return {
    peer, protocol: cap, minPow: peer.interest.minPow, closed,
    close: () => {
      stopping ??= host.stop()
    },
  }
}
