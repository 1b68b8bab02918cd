// RLPx frame MACs with the WebAssembly keccak. devp2p's MAC (rlpx/mac.js) keeps one pure-JS keccak
// state per direction and feeds it every frame: on a node taking in 1 KB envelopes that was ~60 us per
// envelope, as much as all the rest of the envelope's checks (CPU profile of the ingest bench). Same
// algorithm as devp2p's (egress/ingress MAC of the RLPx spec), same bytes on the wire: only the keccak
// engine and a reused AES-ECB cipher differ.
//
// MAC is not exported by the package, so its module is loaded by path, once, when this module is
// evaluated (top-level await): everything that opens RLPx connections imports devp2p-fixes.ts, which
// imports this, so the patch is in place before any MAC exists. A MAC that nevertheless started on
// the original methods keeps them (its keccak state is in the original object). Where the module
// cannot be found or WebAssembly is missing, nothing is patched: devp2p's MAC works as it is.
import { createRequire } from 'node:module'
import { createCipheriv, type Cipher } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { keccakWasm } from '../whisper/wasm/keccak-engine.js'
import { createKeccak256, type Keccak256Stream } from '../whisper/keccak.js'

interface MacInternals {
  _secret: Uint8Array
  _hash: { pos?: number; state?: Uint8Array }
  _fast?: Keccak256Stream | null
  _ecb?: Cipher
  update(data: Uint8Array): void
  updateHeader(data: Uint8Array): void
  updateBody(data: Uint8Array): void
  digest(): Uint8Array
}

interface MacClass {
  prototype: MacInternals
}

function xor16(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.min(a.length, b.length))
  for (let i = 0; i < out.length; i++) out[i] = a[i] ^ b[i]
  return out
}

/** Whether a MAC's original keccak has absorbed nothing yet (noble's Keccak: pos 0, state all zero). */
function pristine(m: MacInternals): boolean {
  const h = m._hash
  return h !== undefined && h.pos === 0 && h.state instanceof Uint8Array && h.state.every((b) => b === 0)
}

export function patchMac(MAC: MacClass): void {
  const proto = MAC.prototype
  if ((proto as unknown as { _fastMac?: boolean })._fastMac) return
  const original = { update: proto.update, updateHeader: proto.updateHeader, updateBody: proto.updateBody, digest: proto.digest }
  // null: this MAC began on the original methods and stays on them
  const fast = (m: MacInternals): Keccak256Stream | null => {
    if (m._fast === undefined) m._fast = pristine(m) ? createKeccak256() : null
    return m._fast
  }
  const ecb = (m: MacInternals): Cipher => {
    if (!m._ecb) {
      m._ecb = createCipheriv('aes-256-ecb', m._secret, null)
      m._ecb.setAutoPadding(false)
    }
    return m._ecb
  }
  proto.update = function (this: MacInternals, data: Uint8Array) {
    const f = fast(this)
    if (!f) return original.update.call(this, data)
    f.update(data)
  }
  proto.digest = function (this: MacInternals) {
    const f = fast(this)
    if (!f) return original.digest.call(this)
    return f.digest().slice(0, 16)
  }
  proto.updateHeader = function (this: MacInternals, data: Uint8Array) {
    const f = fast(this)
    if (!f) return original.updateHeader.call(this, data)
    f.update(xor16(ecb(this).update(f.digest().subarray(0, 16)), data))
  }
  proto.updateBody = function (this: MacInternals, data: Uint8Array) {
    const f = fast(this)
    if (!f) return original.updateBody.call(this, data)
    f.update(data)
    const prev = f.digest().subarray(0, 16)
    f.update(xor16(ecb(this).update(prev), prev))
  }
  ;(proto as unknown as { _fastMac?: boolean })._fastMac = true
}

async function load(): Promise<boolean> {
  if (!keccakWasm()) return false
  try {
    // the package's CommonJS entry tells where it lives; its ES module build sits next to it
    const cjs = createRequire(import.meta.url).resolve('@ethereumjs/devp2p')
    const macPath = cjs.replace(/[\\/]dist[\\/]cjs[\\/]index\.js$/, '/dist/esm/rlpx/mac.js')
    if (macPath === cjs) return false
    const mod = (await import(pathToFileURL(macPath).href)) as { MAC?: MacClass }
    if (!mod.MAC) return false
    patchMac(mod.MAC)
    return true
  } catch {
    return false
  }
}

/** Whether RLPx MACs run on the WebAssembly keccak in this process. */
export const fastMac: boolean = await load()
