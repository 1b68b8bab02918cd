// A devp2p RLPx host listening on 127.0.0.1 (random port) for the stand-in remote nodes of the probe
// and conformance tests; close() ends it and waits until every accepted socket is closed, so a test
// never leaves a connection behind.
import type { Socket } from 'node:net'
import { newRLPx, rlpxServer, type Capabilities } from '../../src/p2p/devp2p/index.js'

export interface RlpxListener {
  port: number
  close(): Promise<void>
}

export async function listenRlpx(
  privateKey: Uint8Array,
  o: { capabilities: Capabilities[]; clientId: string; maxPeers: number; ignoreErrors?: boolean },
): Promise<RlpxListener> {
  const rlpx = newRLPx(privateKey, {
    capabilities: o.capabilities,
    clientId: new TextEncoder().encode(o.clientId),
    maxPeers: o.maxPeers,
    listenPort: null,
  })
  const server = rlpxServer(rlpx)!
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  rlpx.events.on('peer:error', () => undefined)
  if (o.ignoreErrors) rlpx.events.on('error', () => undefined)
  await new Promise<void>((resolve) => {
    server.once('listening', () => resolve())
    rlpx.listen(0, '127.0.0.1')
  })
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      const closed = [...sockets].map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r()))))
      rlpx.destroy()
      for (const s of sockets) s.destroy()
      await Promise.all(closed)
    },
  }
}
