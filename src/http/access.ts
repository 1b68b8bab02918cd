// Access rules of every HTTP route and WebSocket path of the bridge and the JSON-RPC endpoint (the
// server, server.ts, applies them before any handler runs): who may talk to the node at all. The bridge can post as
// the node's identity and dial peers, so a random web page the user happens to visit must not be
// able to drive it (cross-origin requests, DNS rebinding), and a remote address must prove it holds
// the token.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

export interface AccessPolicyOptions {
  /** Host the server binds to; decides whether a token is required. */
  bindHost: string
  /** Access token; required (and generated when absent) unless bindHost is loopback. */
  token?: string
  /** Extra origins (scheme://host:port) allowed besides the server's own. */
  allowedOrigins?: string[]
}

export interface AccessPolicy {
  /** The token every request must carry, or null when none is needed (loopback without --token). */
  readonly token: string | null
  /** True when the token was generated here (the CLI prints it). */
  readonly generatedToken: boolean
  readonly loopbackOnly: boolean
  readonly allowedOrigins: ReadonlySet<string>
}

export type AccessDenial = { status: 401 | 403 | 429; code: string; message: string }

const TOKEN_RE = /^[A-Za-z0-9._~-]{16,256}$/

export function isLoopbackHost(host: string): boolean {
  const h = stripBrackets(host).toLowerCase()
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice(7))
  return false
}

/** Throws when a chosen token is too weak or cannot travel in a header and a URL unchanged. */
export function checkToken(token: string): void {
  if (!TOKEN_RE.test(token)) throw new Error('access token must be 16 to 256 characters from A-Z a-z 0-9 . _ ~ -')
}

function generateToken(): string {
  return randomBytes(24).toString('hex')
}

export function createAccessPolicy(opts: AccessPolicyOptions): AccessPolicy {
  const loopbackOnly = isLoopbackHost(opts.bindHost)
  let token = opts.token ?? null
  let generatedToken = false
  if (token !== null) checkToken(token)
  if (token === null && !loopbackOnly) {
    token = generateToken()
    generatedToken = true
  }
  const allowedOrigins = new Set<string>()
  for (const o of opts.allowedOrigins ?? []) allowedOrigins.add(normalizeOrigin(o))
  return { token, generatedToken, loopbackOnly, allowedOrigins }
}

/**
 * Checks one request (plain HTTP or a WebSocket upgrade) against the policy. Returns null when it
 * may proceed. Order matters: host first (DNS rebinding), then origin (cross-site), then token.
 */
export function checkRequest(policy: AccessPolicy, req: IncomingMessage): AccessDenial | null {
  const host = req.headers.host
  if (policy.token === null && (!host || !isLoopbackHost(hostOnly(host)))) {
    // Without a token the only protection is that the caller is on this machine; a browser tricked by
    // DNS rebinding would send a foreign Host name, so only loopback names are accepted.
    return { status: 403, code: 'forbidden-host', message: 'Host header must name a loopback address' }
  }
  const origin = req.headers.origin
  if (origin !== undefined && !originAllowed(policy, origin, host)) {
    return { status: 403, code: 'forbidden-origin', message: `origin ${JSON.stringify(origin)} is not allowed` }
  }
  if (policy.token !== null) {
    const given = tokenFromRequest(req)
    if (given === null) return { status: 401, code: 'unauthorized', message: 'access token required' }
    if (!sameSecret(given, policy.token)) return { status: 401, code: 'unauthorized', message: 'access token is wrong' }
  }
  return null
}

/** Bearer header (scripts) or `token` query parameter (browsers cannot set WebSocket headers). */
function tokenFromRequest(req: IncomingMessage): string | null {
  const auth = req.headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (m) return m[1]
  }
  const q = (req.url ?? '').indexOf('?')
  if (q >= 0) {
    const t = new URLSearchParams((req.url ?? '').slice(q + 1)).get('token')
    if (t) return t
  }
  return null
}

function originAllowed(policy: AccessPolicy, origin: string, host: string | undefined): boolean {
  let o: string
  try {
    o = normalizeOrigin(origin)
  } catch {
    return false // includes the literal "null" origin of sandboxed frames and file:// pages
  }
  if (policy.allowedOrigins.has(o)) return true
  if (!host) return false
  // Same origin: the page was served by this server under the same host name and port.
  const u = new URL(o)
  return u.host.toLowerCase() === host.toLowerCase()
}

function normalizeOrigin(origin: string): string {
  const u = new URL(origin)
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`not an http(s) origin: ${origin}`)
  return u.origin.toLowerCase()
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h
}

/**
 * "host:port" / "[v6]:port" / "host" -> host without brackets; '' when the header is not a host and
 * an optional numeric port (`127.0.0.1:80@evil.example` named loopback before it was checked whole).
 */
export function hostOnly(hostHeader: string): string {
  const h = hostHeader.trim()
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/.exec(h)
  if (v6) return v6[1]
  if (isIP(h) === 6) return h
  const named = /^([A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(h)
  return named ? named[1] : ''
}
