// Connection caps for the HTTP servers (the bridge's and the standalone JSON-RPC one). Every open
// socket is a file descriptor, and the process shares its descriptor limit with the RLPx port: 1,000
// clients that never read held 1,024 descriptors, and then no peer could connect either. So the
// servers cap connections in total and per address, and a socket we are done with (after a header
// timeout, a malformed request, a 413) is destroyed, not just half-closed waiting for the client.
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'

export interface ConnectionCaps {
  /** open connections in total (HTTP and WebSocket) */
  maxConnections: number
  /** open connections from one address */
  maxPerAddress: number
}

/** How long a final answer may take to leave before the socket is destroyed anyway. */
const FINAL_WRITE_GRACE_MS = 2000

/** Applies `caps` to `server`: connections over a cap are destroyed as they arrive. */
export function capConnections(server: Server, caps: ConnectionCaps): void {
  const perAddress = new Map<string, number>()
  server.maxConnections = caps.maxConnections
  server.on('connection', (socket) => {
    const addr = socket.remoteAddress ?? ''
    const n = perAddress.get(addr) ?? 0
    if (n >= caps.maxPerAddress) {
      socket.destroy()
      return
    }
    perAddress.set(addr, n + 1)
    socket.once('close', () => {
      const left = (perAddress.get(addr) ?? 1) - 1
      if (left <= 0) perAddress.delete(addr)
      else perAddress.set(addr, left)
    })
  })
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
