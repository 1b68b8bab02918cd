// JSON over HTTP: answers with the right status and headers, and request bodies read only up to a
// fixed size (an HttpError says what went wrong; the server turns it into the answer).
import type { IncomingMessage, ServerResponse } from 'node:http'

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** the request was not read to its end: close the connection after answering */
    readonly closeConnection = false,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(text)
}

/**
 * Reads and parses a JSON body. Requires `Content-Type: application/json`: besides being honest, it
 * makes a cross-site browser request non-simple, so the browser must ask (preflight) first and the
 * bridge never answers a preflight.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json') {
    drain(req)
    throw new HttpError(415, 'unsupported-media-type', 'request body must be application/json')
  }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    // not read at all: answered, then the connection is closed (reading a declared 10 GB body just to
    // keep the connection would cost us the bandwidth)
    throw new HttpError(413, 'payload-too-large', `request body larger than ${maxBytes} bytes`, true)
  }
  const chunks: Buffer[] = []
  let size = 0
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > maxBytes) {
        req.off('data', onData)
        req.pause()
        reject(new HttpError(413, 'payload-too-large', `request body larger than ${maxBytes} bytes`, true))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve())
    req.once('error', () => reject(new HttpError(400, 'bad-request', 'request body could not be read')))
  })
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') throw new HttpError(400, 'bad-json', 'request body is empty')
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpError(400, 'bad-json', 'request body is not valid JSON')
  }
}

// Keep reading (and discarding) so the response can still be delivered on this connection.
function drain(req: IncomingMessage): void {
  req.resume()
}

export function requireObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'bad-request', 'request body must be a JSON object')
  }
  return body as Record<string, unknown>
}
