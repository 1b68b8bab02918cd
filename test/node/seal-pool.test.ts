// The pool's workers run the compiled dist/src/node/seal-worker.js (Node cannot start a .ts worker):
// `npm test` builds first; a missing build is made here.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RLP } from '@ethereumjs/rlp'
import { defaultWorkerUrl, SealPool } from '../../src/node/seal-pool.js'
import { NodeError } from '../../src/node/errors.js'
import { powBits, workHash } from '../../src/whisper/pow.js'

const rlpOf = (n: number) => RLP.encode([1_700_000_000, 50, new Uint8Array([1, 2, 3, 4]), new Uint8Array(n).fill(n & 0xff)])
const bitsOf = (shh: 5 | 6, rlp: Uint8Array, nonce: bigint) => powBits(shh, workHash(shh, rlp, nonce))

async function rejection(p: Promise<unknown>): Promise<NodeError> {
  const e = await p.then(() => { throw new Error('resolved, expected a rejection') }, (err: unknown) => err)
  expect(e).toBeInstanceOf(NodeError)
  return e as NodeError
}

beforeAll(() => {
  if (!existsSync(fileURLToPath(defaultWorkerUrl()))) {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json'], { stdio: 'ignore' })
  }
})

describe('SealPool', () => {
  const pool = new SealPool({ threads: 2 })
  afterAll(() => pool.close())

  for (const shh of [5, 6] as const) {
    it(`v${shh}: finds a nonce reaching the target with the workers`, async () => {
      const rlp = rlpOf(shh === 5 ? 300 : 1000)
      const r = await pool.sealNonce(shh, rlp, { targetBits: 17, workTimeMs: 120_000 })
      expect(r.bits).toBeGreaterThanOrEqual(17)
      expect(bitsOf(shh, rlp, r.nonce)).toBe(r.bits)
      expect(r.hashes).toBeGreaterThan(0)
    })
  }

  it('without a target returns the best nonce found in the time', async () => {
    const rlp = rlpOf(200)
    const r = await pool.sealNonce(6, rlp, { targetBits: 0, workTimeMs: 150 })
    expect(r.bits).toBeGreaterThan(0)
    expect(bitsOf(6, rlp, r.nonce)).toBe(r.bits)
  })

  it('reports a shortfall when the time runs out before the target', async () => {
    const rlp = rlpOf(50)
    const r = await pool.sealNonce(5, rlp, { targetBits: 250, workTimeMs: 50 })
    expect(r.bits).toBeLessThan(250)
    expect(bitsOf(5, rlp, r.nonce)).toBe(r.bits)
  })

  it('cancels a running seal with an AbortSignal, then keeps working', async () => {
    const ac = new AbortController()
    const p = pool.sealNonce(6, rlpOf(100), { targetBits: 250, workTimeMs: 600_000, signal: ac.signal })
    setTimeout(() => ac.abort(), 50)
    expect((await rejection(p)).code).toBe('aborted')
    const rlp = rlpOf(10)
    const r = await pool.sealNonce(6, rlp, { targetBits: 16, workTimeMs: 120_000 })
    expect(bitsOf(6, rlp, r.nonce)).toBeGreaterThanOrEqual(16)
  })

  it('cancels a queued seal and runs the next one', async () => {
    const first = new AbortController()
    const second = new AbortController()
    const p1 = pool.sealNonce(5, rlpOf(100), { targetBits: 250, workTimeMs: 600_000, signal: first.signal })
    const p2 = pool.sealNonce(5, rlpOf(100), { targetBits: 250, workTimeMs: 600_000, signal: second.signal })
    const rlp = rlpOf(33)
    const p3 = pool.sealNonce(5, rlp, { targetBits: 15, workTimeMs: 120_000 })
    second.abort()
    expect((await rejection(p2)).code).toBe('aborted')
    first.abort()
    expect((await rejection(p1)).code).toBe('aborted')
    const r = await p3
    expect(bitsOf(5, rlp, r.nonce)).toBeGreaterThanOrEqual(15)
  })

  it('rejects an already aborted signal and bad parameters', async () => {
    expect((await rejection(pool.sealNonce(6, rlpOf(1), { targetBits: 20, workTimeMs: 1, signal: AbortSignal.abort() }))).code).toBe('aborted')
    expect((await rejection(pool.sealNonce(7 as 6, rlpOf(1), { targetBits: 20, workTimeMs: 1 }))).code).toBe('params')
    expect((await rejection(pool.sealNonce(6, rlpOf(1), { targetBits: 257, workTimeMs: 1 }))).code).toBe('params')
    expect((await rejection(pool.sealNonce(6, rlpOf(1), { targetBits: 20, workTimeMs: NaN }))).code).toBe('params')
  })
})

describe('SealPool lifecycle', () => {
  it('seals small targets inline, without starting a worker', async () => {
    const pool = new SealPool({ threads: 2, workerUrl: new URL('file:///nonexistent/seal-worker.js') })
    const rlp = rlpOf(300)
    const r = await pool.sealNonce(6, rlp, { targetBits: pool.inlineMaxBits, workTimeMs: 60_000 })
    expect(bitsOf(6, rlp, r.nonce)).toBeGreaterThanOrEqual(pool.inlineMaxBits)
    // above the threshold it needs the (missing) worker script: a clear error, no crash
    const e = await rejection(pool.sealNonce(6, rlp, { targetBits: pool.inlineMaxBits + 1, workTimeMs: 10 }))
    expect(e.code).toBe('state')
    expect(e.message).toMatch(/worker script not found/)
    await pool.close()
  })

  it('close() rejects running and queued seals and terminates the workers', async () => {
    const pool = new SealPool({ threads: 2 })
    const running = pool.sealNonce(6, rlpOf(100), { targetBits: 250, workTimeMs: 600_000 })
    const queued = pool.sealNonce(6, rlpOf(100), { targetBits: 250, workTimeMs: 600_000 })
    const errors = Promise.all([rejection(running), rejection(queued)])
    await new Promise((r) => setTimeout(r, 50))
    await pool.close()
    expect((await errors).map((e) => e.code)).toEqual(['aborted', 'aborted'])
    expect((await rejection(pool.sealNonce(6, rlpOf(1), { targetBits: 20, workTimeMs: 1 }))).code).toBe('state')
    await pool.close() // idempotent
  })

  it('a pool that never sealed closes at once', async () => {
    await new SealPool().close()
  })
})
