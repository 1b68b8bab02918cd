// Thin typed wrapper over the WebAssembly module built from keccak.as: byte copying in and out of
// its static memory, chunked absorption for inputs larger than its input buffer.
import { KECCAK_WASM_BASE64 } from './keccak-wasm.js'

// Minimal typing of the WebAssembly JS API (tsconfig has no DOM lib); absent on some runtimes.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}

interface Exports {
  memory: { buffer: ArrayBuffer }
  inputPtr(): number
  inputCapacity(): number
  outputPtr(): number
  resultPtr(): number
  statePtr(): number
  init(): void
  update(len: number): void
  final(len: number): void
  hash(len: number): void
  prepareSearch(rest: number): void
  search(leading: number, start: bigint, stride: bigint, count: number, target: number, best: number): number
}

export interface BatchResult {
  /** Best bits after the batch (the `best` passed in when nothing beat it). */
  best: number
  /** The nonce that reached `best`; meaningful only when `improved`. */
  nonce: bigint
  /** Hashes computed (less than `count` when the target was reached early). */
  done: number
  improved: boolean
}

const RATE = 136

class KeccakWasm {
  private readonly x: Exports
  private readonly input: number
  private readonly capacity: number
  private readonly state: number
  private u8: Uint8Array
  private dv: DataView

  constructor(x: Exports) {
    this.x = x
    this.input = x.inputPtr()
    this.capacity = x.inputCapacity()
    this.state = x.statePtr()
    this.u8 = new Uint8Array(x.memory.buffer)
    this.dv = new DataView(x.memory.buffer)
  }

  /** Copy `data` to the input buffer; the module never grows its memory, so the views stay valid. */
  private put(data: Uint8Array, at = 0): void {
    this.u8.set(data, this.input + at)
  }

  /** Absorb whole blocks of `data` (its length a multiple of the rate) into the hash state, chunked. */
  private absorbWhole(data: Uint8Array): void {
    for (let off = 0; off < data.length; off += this.capacity) {
      const chunk = data.subarray(off, Math.min(data.length, off + this.capacity))
      this.put(chunk)
      this.x.update(chunk.length)
    }
  }

  keccak256(data: Uint8Array): Uint8Array {
    const x = this.x
    if (data.length <= this.capacity) {
      this.put(data)
      x.hash(data.length)
    } else {
      const tail = data.length - (Math.ceil(data.length / this.capacity) - 1) * this.capacity
      x.init()
      this.absorbWhole(data.subarray(0, data.length - tail))
      this.put(data.subarray(data.length - tail))
      x.final(tail)
    }
    const out = x.outputPtr()
    return this.u8.slice(out, out + 32)
  }

  /**
   * Streaming, for hash states kept by the caller (200 bytes each; the module has one state of its own,
   * so each call loads the caller's state and stores it back): absorb `data`, whole rate blocks only.
   */
  absorbInto(state: Uint8Array, data: Uint8Array): void {
    this.u8.set(state, this.state)
    this.absorbWhole(data)
    state.set(this.u8.subarray(this.state, this.state + 200))
  }

  /** Digest of `state` followed by `tail` (the last, partial block: < 136 bytes); `state` is not changed. */
  digestOf(state: Uint8Array, tail: Uint8Array): Uint8Array {
    this.u8.set(state, this.state)
    this.put(tail)
    this.x.final(tail.length)
    const out = this.x.outputPtr()
    return this.u8.slice(out, out + 32)
  }

  /**
   * Make `prefix` (all message bytes before the 8-byte big-endian nonce) the search message: its whole
   * rate blocks are absorbed now, once; each searched nonce then costs one or two permutations.
   */
  prepareSearch(prefix: Uint8Array): void {
    const whole = prefix.length - (prefix.length % RATE)
    this.x.init()
    this.absorbWhole(prefix.subarray(0, whole))
    this.put(prefix.subarray(whole))
    this.x.prepareSearch(prefix.length - whole)
  }

  /**
   * Hash `count` nonces start, start+stride, ... of the prepared message; v6 bit counting (leading
   * zeros) when `leading`, else v5 (geth's FirstBitSet: trailing zeros).
   */
  search(leading: boolean, start: bigint, stride: bigint, count: number, target: number, best: number): BatchResult {
    const bits = this.x.search(leading ? 1 : 0, BigInt.asUintN(64, start), BigInt.asUintN(64, stride), count, target, best)
    const r = this.x.resultPtr()
    return {
      best: bits,
      nonce: this.dv.getBigUint64(r, true),
      done: this.dv.getUint32(r + 8, true),
      improved: this.dv.getUint32(r + 12, true) !== 0,
    }
  }
}

function decodeBase64(b64: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'))
  const s = atob(b64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

let engine: KeccakWasm | null | undefined

/** The WebAssembly engine, or null where WebAssembly is unavailable (callers fall back to pure JS). */
export function keccakWasm(): KeccakWasm | null {
  if (engine === undefined) {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
    try {
      if (!api) throw new Error('no WebAssembly')
      const mod = new api.Module(decodeBase64(KECCAK_WASM_BASE64))
      engine = new KeccakWasm(new api.Instance(mod, {}).exports as Exports)
    } catch {
      engine = null
    }
  }
  return engine
}
