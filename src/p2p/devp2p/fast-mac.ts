// RLPx frame MACs with the WebAssembly keccak. devp2p's MAC (rlpx/mac.js) keeps one pure-JS keccak
// state per direction and feeds it every frame: on a node taking in 1 KB envelopes that was ~60 us per
// envelope, as much as all the rest of the envelope's checks (CPU profile of the ingest bench). Same
// algorithm as devp2p's (egress/ingress MAC of the RLPx spec), same bytes on the wire: only the keccak
// engine and a reused AES-ECB cipher differ.
//
// devp2p 10 exports MAC from its package root: the same class its ECIES builds (one ES module). It is
// patched when this module is evaluated, before the door can build any Peer, so every MAC runs on the
// fast methods; one that nevertheless started on the original methods keeps them (its keccak state is
// in the original object). Without WebAssembly nothing is patched: devp2p's MAC works as it is. A MAC
// whose members changed throws (contract.ts), rather than silently staying on the slow path.
import { createCipheriv, type Cipher } from 'node:crypto'
import { MAC as Devp2pMAC } from '@ethereumjs/devp2p'
import { keccakWasm } from '../../whisper/wasm/keccak-engine.js'
import { createKeccak256, type Keccak256Stream } from '../../whisper/keccak.js'
import { checkMembers, Devp2pContractError, MEMBERS } from './contract.js'
import type { MacInternals as MacView } from './views.js'

interface MacInternals extends MacView {
  _fast?: Keccak256Stream | null
  _ecb?: Cipher
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

function patchMac(MAC: MacClass): void {
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

/** Checks MAC's members (contract.ts) on its prototype and a fresh instance, including the keccak state fast() reads. */
export function checkMac(MAC: new (secret: Uint8Array) => object): void {
  checkMembers('MAC', 'method', MAC.prototype)
  const probe = new MAC(new Uint8Array(32)) as MacInternals
  checkMembers('MAC', 'field', probe)
  if (!pristine(probe)) {
    throw new Devp2pContractError(MEMBERS.find((x) => x.cls === 'MAC' && x.name === '_hash')!, 'not a noble Keccak (no pos/state)')
  }
}

function load(): boolean {
  checkMac(Devp2pMAC)
  if (!keccakWasm()) return false
  patchMac(Devp2pMAC as unknown as MacClass)
  return true
}

/** Whether RLPx MACs run on the WebAssembly keccak in this process. */
export const fastMac: boolean = load()
