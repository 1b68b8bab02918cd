// Building blocks the check groups share: "the node must drop this connection" and "the node must
// keep it", each with the observed outcome in the detail line.
import type { RawShhConnection } from '../../p2p/raw-shh-connection.js'
import { closeText } from '../../p2p/raw-shh-connection.js'
import { reasonName } from '../../p2p/probe-connection.js'
import { rlpEncode, type RlpInput } from '../../whisper/rlp.js'
import type { SuiteContext } from '../context.js'
import { fail, pass, type Outcome } from '../types.js'

const SUBPROTOCOL_ERROR = 0x10

/** Pass when the node disconnects `c` (any reason) within the timeout. */
export async function expectDropped(ctx: SuiteContext, c: RawShhConnection, what: string, waitMs = ctx.timeoutMs): Promise<Outcome> {
  const close = await ctx.waitDropped(c, waitMs)
  if (close && !close.byUs) return pass(`${what}: ${closeText(close)}`)
  if (close) return fail(`${what}: we closed the connection ourselves (${c.lastError ?? 'devp2p error'}) before the node did anything`)
  return fail(`${what}: ${closeText(close)} after ${waitMs / 1000} s`)
}

/** Pass when the node keeps talking to `c` (a valid envelope sent after it is still forwarded). */
export async function expectKept(ctx: SuiteContext, c: RawShhConnection, what: string): Promise<Outcome> {
  const r = await ctx.aliveAfter(c)
  if (r.alive) return pass(`${what}: kept (${r.how})`)
  return fail(`${what}: ${r.close ? closeText(r.close) : r.how}`)
}

export function isSubprotocolError(reason: number | null): boolean {
  return reason === SUBPROTOCOL_ERROR
}

export { reasonName }

export function rlp(x: RlpInput): Uint8Array {
  return rlpEncode(x)
}

export function hexStart(b: Uint8Array, n = 24): string {
  const h = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, n)).toString('hex')
  return b.length > n ? `${h}… (${b.length} bytes)` : h
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export const nowSec = () => Math.floor(Date.now() / 1000)
