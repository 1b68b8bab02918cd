// The RLPx listening socket: binding it (with errors a user can act on) and the inbound gate every
// accepted socket passes before it gets a connection record (conn-limits.ts InboundGate).
import type { LogContext } from '../log/log.js'
import type { InboundGate } from './conn-limits.js'
import type { Connections } from './connections.js'
import { rlpxServer, setRlpxListenPort, type RLPx } from './devp2p/index.js'
import { DEBUG, ERROR, errText, hostPort, P2PHostError } from './host-types.js'

type Log = (level: number, msg: string, ctx?: LogContext) => void

/** Inbound sockets: refused by the gate (throttle, pending handshakes), or registered as handshaking. */
export function acceptInbound(rlpx: RLPx, gate: InboundGate, conns: Connections, log: Log): void {
  rlpxServer(rlpx)?.on('connection', (socket) => {
    const refused = gate.admit(socket)
    if (refused !== null) {
      log(DEBUG, 'Refusing inbound connection', { addr: `${socket.remoteAddress}:${socket.remotePort}`, why: refused })
      return socket.destroy()
    }
    conns.open(socket, true, 'handshaking')
  })
}

/** Binds the RLPx listener; resolves with the port (the hellos announce it from now on). */
export function listen(rlpx: RLPx, at: { host: string; port: number }, log: Log): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = rlpxServer(rlpx)
    if (!server) return reject(new P2PHostError('state', 'RLPx server missing'))
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      const what =
        err.code === 'EADDRINUSE'
          ? 'address already in use'
          : err.code === 'EADDRNOTAVAIL'
            ? 'address not available on this machine'
            : err.code === 'EACCES'
              ? 'permission denied'
              : err.message
      reject(new P2PHostError(err.code ?? 'listen', `cannot listen on ${hostPort(at.host, at.port)}: ${what}`, { cause: err }))
    }
    const onListening = () => {
      server.off('error', onError)
      const addr = server.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : at.port
      setRlpxListenPort(rlpx, port)
      server.on('error', (err) => log(ERROR, 'RLPx listener error', { err: errText(err) }))
      resolve(port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    rlpx.listen(at.port, at.host)
  })
}
