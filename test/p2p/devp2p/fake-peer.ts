// A stand-in for a devp2p Peer as the sub-protocol sees it through the door's views (peerSocket,
// peerClosed): it lives next to the contract because it mirrors devp2p's private layout.
import { EventEmitter } from 'node:events'
import type { Peer } from '../../../src/p2p/devp2p/index.js'

export interface FakePeer {
  peer: Peer
  events: EventEmitter
  disconnects: number[]
}

export function fakePeer(o: { protocolVersion: number; clientId: string; id: Uint8Array; remoteAddress: string; remotePort: number }): FakePeer {
  const events = new EventEmitter()
  const disconnects: number[] = []
  const fake = {
    events,
    _closed: false,
    _socket: { remoteAddress: o.remoteAddress, remotePort: o.remotePort, writableLength: 0 },
    getHelloMessage: () => ({ protocolVersion: o.protocolVersion, clientId: o.clientId }),
    getId: () => o.id,
    disconnect(reason: number) {
      disconnects.push(reason)
      fake._closed = true
    },
  }
  return { peer: fake as unknown as Peer, events, disconnects }
}
