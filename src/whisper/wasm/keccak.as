// Keccak-256 and the Whisper proof-of-work nonce search, in AssemblyScript (compiled to WebAssembly
// by scripts/build-wasm.mjs; the JS side is src/whisper/keccak.ts and src/whisper/pow.ts).
//
// Why WebAssembly: the PoW loop is keccak-bound; V8 runs this 64-bit-lane code about as fast as
// go-ethereum's native keccak, while pure JS (32-bit halves) is ~14x slower.
// Why the whole nonce loop lives here: one call searches a batch of nonces, so the JS<->WASM
// crossing costs nothing per hash, and the message bytes before the nonce's block are absorbed
// once (the midstate), so a v6 nonce costs one or two permutations whatever the envelope size.
//
// Memory is static (no allocator): fixed regions reserved with memory.data.

const RATE: u32 = 136 // Keccak-256 rate in bytes (17 lanes)

const RC = memory.data<u64>([
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
  0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
  0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
  0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
  0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
  0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
])

const INPUT_CAPACITY: u32 = RATE * 480 // 65280 bytes: whole blocks, so update() never splits one
const INPUT = memory.data(INPUT_CAPACITY, 16)
const STATE = memory.data(200, 16) // one-shot / streaming hash
const OUT = memory.data(32, 16)
const MID = memory.data(200, 16) // search: state after the blocks before the nonce's block
const WORK = memory.data(200, 16) // search: per-nonce state
const TAIL = memory.data(2 * RATE, 16) // search: the last one or two blocks, padded, nonce slot included
const RESULT = memory.data(16, 16) // search: best nonce (u64), hashes done (u32), improved (u32)

let tailLen: u32 = 0 // offset of the nonce inside TAIL
let tailBlocks: u32 = 1

export function inputPtr(): usize { return INPUT }
export function inputCapacity(): u32 { return INPUT_CAPACITY }
export function outputPtr(): usize { return OUT }
export function resultPtr(): usize { return RESULT }
export function statePtr(): usize { return STATE }

/** keccak-f[1600] on the 25 lanes at `s`. */
function permute(s: usize): void {
  let a00 = load<u64>(s, 0)
  let a01 = load<u64>(s, 8)
  let a02 = load<u64>(s, 16)
  let a03 = load<u64>(s, 24)
  let a04 = load<u64>(s, 32)
  let a05 = load<u64>(s, 40)
  let a06 = load<u64>(s, 48)
  let a07 = load<u64>(s, 56)
  let a08 = load<u64>(s, 64)
  let a09 = load<u64>(s, 72)
  let a10 = load<u64>(s, 80)
  let a11 = load<u64>(s, 88)
  let a12 = load<u64>(s, 96)
  let a13 = load<u64>(s, 104)
  let a14 = load<u64>(s, 112)
  let a15 = load<u64>(s, 120)
  let a16 = load<u64>(s, 128)
  let a17 = load<u64>(s, 136)
  let a18 = load<u64>(s, 144)
  let a19 = load<u64>(s, 152)
  let a20 = load<u64>(s, 160)
  let a21 = load<u64>(s, 168)
  let a22 = load<u64>(s, 176)
  let a23 = load<u64>(s, 184)
  let a24 = load<u64>(s, 192)
  for (let round = 0; round < 24; round++) {
    // theta
    const c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
    const c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
    const c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
    const c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
    const c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
    const d0 = c4 ^ rotl<u64>(c1, 1)
    const d1 = c0 ^ rotl<u64>(c2, 1)
    const d2 = c1 ^ rotl<u64>(c3, 1)
    const d3 = c2 ^ rotl<u64>(c4, 1)
    const d4 = c3 ^ rotl<u64>(c0, 1)
    // rho and pi
    const b00 = a00 ^ d0
    const b16 = rotl<u64>(a05 ^ d0, 36)
    const b07 = rotl<u64>(a10 ^ d0, 3)
    const b23 = rotl<u64>(a15 ^ d0, 41)
    const b14 = rotl<u64>(a20 ^ d0, 18)
    const b10 = rotl<u64>(a01 ^ d1, 1)
    const b01 = rotl<u64>(a06 ^ d1, 44)
    const b17 = rotl<u64>(a11 ^ d1, 10)
    const b08 = rotl<u64>(a16 ^ d1, 45)
    const b24 = rotl<u64>(a21 ^ d1, 2)
    const b20 = rotl<u64>(a02 ^ d2, 62)
    const b11 = rotl<u64>(a07 ^ d2, 6)
    const b02 = rotl<u64>(a12 ^ d2, 43)
    const b18 = rotl<u64>(a17 ^ d2, 15)
    const b09 = rotl<u64>(a22 ^ d2, 61)
    const b05 = rotl<u64>(a03 ^ d3, 28)
    const b21 = rotl<u64>(a08 ^ d3, 55)
    const b12 = rotl<u64>(a13 ^ d3, 25)
    const b03 = rotl<u64>(a18 ^ d3, 21)
    const b19 = rotl<u64>(a23 ^ d3, 56)
    const b15 = rotl<u64>(a04 ^ d4, 27)
    const b06 = rotl<u64>(a09 ^ d4, 20)
    const b22 = rotl<u64>(a14 ^ d4, 39)
    const b13 = rotl<u64>(a19 ^ d4, 8)
    const b04 = rotl<u64>(a24 ^ d4, 14)
    // chi and iota
    a00 = b00 ^ (~b01 & b02) ^ load<u64>(RC + (<usize>round << 3))
    a01 = b01 ^ (~b02 & b03)
    a02 = b02 ^ (~b03 & b04)
    a03 = b03 ^ (~b04 & b00)
    a04 = b04 ^ (~b00 & b01)
    a05 = b05 ^ (~b06 & b07)
    a06 = b06 ^ (~b07 & b08)
    a07 = b07 ^ (~b08 & b09)
    a08 = b08 ^ (~b09 & b05)
    a09 = b09 ^ (~b05 & b06)
    a10 = b10 ^ (~b11 & b12)
    a11 = b11 ^ (~b12 & b13)
    a12 = b12 ^ (~b13 & b14)
    a13 = b13 ^ (~b14 & b10)
    a14 = b14 ^ (~b10 & b11)
    a15 = b15 ^ (~b16 & b17)
    a16 = b16 ^ (~b17 & b18)
    a17 = b17 ^ (~b18 & b19)
    a18 = b18 ^ (~b19 & b15)
    a19 = b19 ^ (~b15 & b16)
    a20 = b20 ^ (~b21 & b22)
    a21 = b21 ^ (~b22 & b23)
    a22 = b22 ^ (~b23 & b24)
    a23 = b23 ^ (~b24 & b20)
    a24 = b24 ^ (~b20 & b21)
  }
  store<u64>(s, a00, 0)
  store<u64>(s, a01, 8)
  store<u64>(s, a02, 16)
  store<u64>(s, a03, 24)
  store<u64>(s, a04, 32)
  store<u64>(s, a05, 40)
  store<u64>(s, a06, 48)
  store<u64>(s, a07, 56)
  store<u64>(s, a08, 64)
  store<u64>(s, a09, 72)
  store<u64>(s, a10, 80)
  store<u64>(s, a11, 88)
  store<u64>(s, a12, 96)
  store<u64>(s, a13, 104)
  store<u64>(s, a14, 112)
  store<u64>(s, a15, 120)
  store<u64>(s, a16, 128)
  store<u64>(s, a17, 136)
  store<u64>(s, a18, 144)
  store<u64>(s, a19, 152)
  store<u64>(s, a20, 160)
  store<u64>(s, a21, 168)
  store<u64>(s, a22, 176)
  store<u64>(s, a23, 184)
  store<u64>(s, a24, 192)
}

/** XOR `blocks` whole rate blocks from `p` into the state at `s`, permuting after each. */
function absorbBlocks(s: usize, p: usize, blocks: u32): void {
  for (let k: u32 = 0; k < blocks; k++) {
    for (let i: usize = 0; i < 17 * 8; i += 8) store<u64>(s + i, load<u64>(s + i) ^ load<u64>(p + i))
    permute(s)
    p += RATE
  }
}

export function init(): void {
  memory.fill(STATE, 0, 200)
}

/** Absorb `len` bytes of INPUT (a multiple of the rate). */
export function update(len: u32): void {
  absorbBlocks(STATE, INPUT, len / RATE)
}

/** Absorb the last `len` bytes of the message from INPUT, pad (Keccak: 0x01 .. 0x80) and write the digest to OUT. */
export function final(len: u32): void {
  const full = len / RATE
  absorbBlocks(STATE, INPUT, full)
  const rest = len - full * RATE
  const p = INPUT + <usize>(full * RATE)
  for (let i: usize = 0; i < <usize>rest; i++) store<u8>(STATE + i, load<u8>(STATE + i) ^ load<u8>(p + i))
  store<u8>(STATE + <usize>rest, load<u8>(STATE + <usize>rest) ^ 0x01)
  store<u8>(STATE + RATE - 1, load<u8>(STATE + RATE - 1) ^ 0x80)
  permute(STATE)
  memory.copy(OUT, STATE, 32)
}

/** One-shot keccak256 of INPUT[0..len) into OUT. */
export function hash(len: u32): void {
  init()
  final(len)
}

/**
 * Set up a nonce search: the current STATE (the message's whole blocks before the nonce's block,
 * absorbed with init/update) becomes the midstate, and INPUT[0..rest) are the message bytes left
 * before the 8-byte nonce (rest < 136). The nonce and padding may spill into a second block.
 */
export function prepareSearch(rest: u32): void {
  memory.copy(MID, STATE, 200)
  memory.fill(TAIL, 0, 2 * RATE)
  memory.copy(TAIL, INPUT, rest)
  tailLen = rest
  const end = rest + 8
  tailBlocks = end < RATE ? 1 : 2
  store<u8>(TAIL + end, 0x01)
  const last = TAIL + tailBlocks * RATE - 1
  store<u8>(last, load<u8>(last) | 0x80)
}

// Bits of the digest in WORK read as a 256-bit big-endian integer (the first byte is the most
// significant): the digest's 8-byte words are byte-swapped lanes.
@inline function leadingZeroBits(s: usize): i32 {
  for (let i = 0; i < 4; i++) {
    const w = bswap<u64>(load<u64>(s + (<usize>i << 3)))
    if (w != 0) return (i << 6) + <i32>clz<u64>(w)
  }
  return 256 // geth v6: 256 - BitLen(0)
}

@inline function trailingZeroBits(s: usize): i32 {
  for (let i = 3; i >= 0; i--) {
    const w = bswap<u64>(load<u64>(s + (<usize>i << 3)))
    if (w != 0) return ((3 - i) << 6) + <i32>ctz<u64>(w)
  }
  return 0 // geth v5: math.FirstBitSet(0) = 0
}

/**
 * geth's Seal inner loop over `count` nonces: start, start+stride, ... (mod 2^64). Keeps the first
 * nonce whose bits beat `best`; stops early once bits >= target (target > 0). `leading` selects
 * v6 bit counting (leading zeros) over v5 (FirstBitSet = trailing zeros).
 * Returns the best bits; RESULT holds the best nonce, the number of hashes done and whether `best` improved.
 */
export function search(leading: bool, start: u64, stride: u64, count: u32, target: i32, best: i32): i32 {
  let nonce = start
  let bestNonce: u64 = 0
  let improved: u32 = 0
  let done: u32 = 0
  const slot = TAIL + <usize>tailLen
  while (done < count) {
    store<u64>(slot, bswap<u64>(nonce)) // big-endian nonce, unaligned store
    memory.copy(WORK, MID, 200)
    absorbBlocks(WORK, TAIL, tailBlocks)
    done++
    const bits = leading ? leadingZeroBits(WORK) : trailingZeroBits(WORK)
    if (bits > best) {
      best = bits
      bestNonce = nonce
      improved = 1
      if (target > 0 && bits >= target) break
    }
    nonce += stride
  }
  store<u64>(RESULT, bestNonce)
  store<u32>(RESULT, done, 8)
  store<u32>(RESULT, improved, 12)
  return best
}
