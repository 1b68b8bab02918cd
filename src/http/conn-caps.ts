// Connection caps for the HTTP servers (the bridge's and the standalone JSON-RPC one). Every open
// socket is a file descriptor, and the process shares its descriptor limit with the RLPx port: 1,000
// clients that never read held 1,024 descriptors, and then no peer could connect either. So the
// servers cap connections in total and per address, and a socket we are done with (after a header
// timeout, a malformed request, a 413) is destroyed, not just half-closed waiting for the client.
//
// Caps alone let slow clients lock others out: 64 connections from 127.0.0.1 that never finished
// their headers stayed open 10 s past Node's header timeout (it checks only every 30 s), and every
// new connection from that address - a bridge on loopback serves all local users from it - was
// refused meanwhile. So a connection that has not sent a whole request head within the header timeout
// (or sits idle that long after its last answer) is closed on the dot, and at a cap the oldest such
// connection is closed to make room: a client that sends its request promptly is served, and the
// connections busy with a request or upgraded to a WebSocket are never the ones closed.
import type { Server, IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

export interface ConnectionCaps {
  /** open connections in total (HTTP and WebSocket) */
  maxConnections: number
  /** open connections from one address */
  maxPerAddress: number
  /** time from connecting (or from the last answer) to a whole request head, ms */
  headersTimeoutMs: number
}

/** How long a final answer may take to leave before the socket is destroyed anyway. */
const FINAL_WRITE_GRACE_MS = 2000

interface Conn {
  socket: Socket
  addr: string
  /** when it connected or answered its last request, as a running count (smaller: longer ago) */
  since: number
  /** requests being answered */
  busy: number
  upgraded: boolean
  timer: NodeJS.Timeout | null
}

export interface CappedConnections {
  /** open connections, and of them those waiting for a request head (new or idle) */
  counts(): { open: number; waiting: number }
  /** connections closed for not sending a request head in time, and to make room at a cap */
  readonly closed: { timeout: number; evicted: number; refused: number }
}

/** Applies `caps` to `server`. */
export function capConnections(server: Server, caps: ConnectionCaps): CappedConnections {
  const conns = new Map<Socket, Conn>()
  const byAddress = new Map<string, Set<Conn>>()
  const closed = { timeout: 0, evicted: 0, refused: 0 }
  let seq = 0

  const arm = (c: Conn): void => {
    if (c.timer) clearTimeout(c.timer)
    c.timer = setTimeout(() => {
      c.timer = null
      if (c.busy > 0 || c.upgraded) return
      closed.timeout++
      c.socket.destroy()
    }, caps.headersTimeoutMs)
    c.timer.unref()
  }
  const waiting = (c: Conn): boolean => c.busy === 0 && !c.upgraded
  const oldestWaiting = (among: Iterable<Conn>): Conn | null => {
    let best: Conn | null = null
    for (const c of among) if (waiting(c) && (best === null || c.since < best.since)) best = c
    return best
  }
  const makeRoom = (among: Iterable<Conn>): boolean => {
    const victim = oldestWaiting(among)
    if (victim === null) return false
    closed.evicted++
    forget(victim)
    victim.socket.destroy()
    return true
  }
  const forget = (c: Conn): void => {
    if (!conns.delete(c.socket)) return
    if (c.timer) clearTimeout(c.timer)
    const set = byAddress.get(c.addr)
    set?.delete(c)
    if (set?.size === 0) byAddress.delete(c.addr)
  }

  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? ''
    const mine = byAddress.get(addr)
    if ((mine?.size ?? 0) >= caps.maxPerAddress && !makeRoom(mine!)) {
      closed.refused++
      socket.destroy()
      return
    }
    if (conns.size >= caps.maxConnections && !makeRoom(conns.values())) {
      closed.refused++
      socket.destroy()
      return
    }
    const c: Conn = { socket, addr, since: seq++, busy: 0, upgraded: false, timer: null }
    conns.set(socket, c)
    const set = byAddress.get(addr) ?? new Set<Conn>()
    set.add(c)
    byAddress.set(addr, set)
    arm(c)
    socket.once('close', () => forget(c))
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const c = conns.get(req.socket as Socket)
    if (!c) return
    c.busy++
    if (c.timer) clearTimeout(c.timer)
    c.timer = null
    res.once('close', () => {
      c.busy--
      if (c.busy === 0 && conns.has(c.socket)) {
        c.since = seq++
        arm(c)
      }
    })
  })
  server.on('upgrade', (req: IncomingMessage) => {
    const c = conns.get(req.socket as Socket)
    if (!c) return
    c.upgraded = true
    if (c.timer) clearTimeout(c.timer)
    c.timer = null
  })
  return {
    counts: () => {
      let w = 0
      for (const c of conns.values()) if (waiting(c)) w++
      return { open: conns.size, waiting: w }
    },
    closed,
  }
}

/** Writes a last answer and destroys the socket once it left (or after a grace period). */
export function endAndDestroy(socket: Duplex, data?: string): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const timer = setTimeout(() => socket.destroy(), FINAL_WRITE_GRACE_MS)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
  socket.end(data, () => socket.destroy())
}
