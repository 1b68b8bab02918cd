// JSON-RPC over HTTP as geth v1.9.7 serves it (rpc/http.go ServeHTTP + validateRequest): one request
// (or batch) per POST body, answered with application/json; a body-less GET is a health check (200,
// empty); PUT/DELETE are 405 "method not allowed"; a declared body over 5 MiB is 413 "content length
// too large (N>5242880)"; a content type other than application/json (or application/json-rpc,
// application/jsonrequest) is 415 "invalid content type, only application/json is supported".
// As geth's LimitReader, a body without a declared length is read up to the limit and no further.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RpcServer } from './jsonrpc.js'

export const MAX_REQUEST_CONTENT_LENGTH = 5 * 1024 * 1024
const ACCEPTED_CONTENT_TYPES = ['application/json', 'application/json-rpc', 'application/jsonrequest']

export interface RpcHttpOptions {
  maxBodyBytes?: number
}

/** Go's http.Error: plain text, the message and a newline. */
function httpError(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status
  res.setHeader('content-type', 'text/plain; charset=utf-8')
  res.setHeader('x-content-type-options', 'nosniff')
  res.end(message + '\n')
}

/** mime.ParseMediaType's media type, lower-cased; null when the header does not parse. */
function mediaType(header: string | undefined): string | null {
  if (!header) return null
  const t = header.split(';', 1)[0].trim().toLowerCase()
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(t) ? t : null
}

/** Reads at most `limit` bytes of the body; `truncated` when the client sent more. */
function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (truncated: boolean): void => {
      if (done) return
      done = true
      req.off('data', onData)
      resolve({ body: Buffer.concat(chunks, Math.min(size, limit)), truncated })
    }
    const onData = (chunk: Buffer): void => {
      if (done) return
      const room = limit - size
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room))
        size += room
        req.pause()
        finish(chunk.length > room)
        return
      }
      chunks.push(chunk)
      size += chunk.length
    }
    req.on('data', onData)
    req.once('end', () => finish(false))
    req.once('error', (err) => {
      if (!done) {
        done = true
        reject(err)
      }
    })
  })
}

/** A request handler serving JSON-RPC at whatever path it is mounted on. */
export function rpcHttpHandler(server: RpcServer, opts: RpcHttpOptions = {}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const limit = opts.maxBodyBytes ?? MAX_REQUEST_CONTENT_LENGTH
  return async (req, res) => {
    const method = req.method ?? 'GET'
    const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined
    const hasBody = declared !== undefined ? declared > 0 : req.headers['transfer-encoding'] !== undefined
    if ((method === 'GET' || method === 'HEAD') && !hasBody) {
      res.statusCode = 200
      res.end()
      return
    }
    if (method === 'PUT' || method === 'DELETE') return httpError(res, 405, 'method not allowed')
    if (declared !== undefined && declared > limit) {
      // not read at all: answered, then the connection is closed instead of reading the body to its end
      res.setHeader('connection', 'close')
      res.once('finish', () => req.socket.destroy())
      httpError(res, 413, `content length too large (${declared}>${limit})`)
      return
    }
    if (method === 'OPTIONS') {
      res.statusCode = 200
      res.end()
      return
    }
    const mt = mediaType(req.headers['content-type'])
    if (mt === null || !ACCEPTED_CONTENT_TYPES.includes(mt)) {
      return httpError(res, 415, 'invalid content type, only application/json is supported')
    }
    let body: Buffer
    let truncated: boolean
    try {
      ;({ body, truncated } = await readBody(req, limit))
    } catch {
      res.destroy()
      return
    }
    const remote = req.socket.remoteAddress ? `${req.socket.remoteAddress}:${req.socket.remotePort}` : undefined
    const out = await server.handleHttp(body.toString('utf8'), remote)
    res.statusCode = 200
    res.setHeader('content-type', 'application/json')
    if (truncated) {
      // the rest of the body was never read; this connection cannot carry another request
      res.setHeader('connection', 'close')
      res.once('finish', () => req.destroy())
    }
    // geth's json.Encoder ends every value with a newline
    res.end(out === '' ? '' : out + '\n')
  }
}
