// TCP connect with a deadline, for the one-shot connections (probe, raw conformance): the errors a
// user reads when a node cannot be reached.
import { Socket } from 'node:net'
import type { Enode } from './enode.js'

/** The node could not be reached over TCP; the message names the address and why. */
export class ProbeConnectError extends Error {
  /** 'unreachable' (refused, no route) or 'timeout' (no answer in time). */
  readonly code: 'unreachable' | 'timeout'
  /** An error with its code and one-line message. */
  constructor(code: 'unreachable' | 'timeout', message: string) {
    super(message)
    this.name = 'ProbeConnectError'
    this.code = code
  }
}

/** Resolves with the connected socket; rejects with ProbeConnectError (the socket destroyed). */
export function dialSocket(target: Enode, timeoutMs: number): Promise<Socket> {
  const socket = new Socket()
  const where = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
  return new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new ProbeConnectError('timeout', `cannot connect to ${where}: no answer within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    // stays on after the connect: a later socket error ends the socket (the Peer then sees it close)
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      socket.destroy()
      const why = err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' ? 'host unreachable' : err.message
      reject(new ProbeConnectError('unreachable', `cannot connect to ${where}: ${why}`))
    })
    socket.connect(target.port, target.host, () => {
      clearTimeout(timer)
      resolve(socket)
    })
  })
}
