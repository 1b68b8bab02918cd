// A post sealing on the worker threads is cancelled by stop(): it rejects with NodeError 'aborted',
// stop() resolves, and no worker keeps the process alive (the runner exits on its own).
import { describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { NodeError } from '../../src/node/errors.js'

describe('post cancellation', () => {
  it('stop() aborts a post whose PoW search runs on the workers', async () => {
    const n = new WhisperNode({ verbosity: 0, logger: () => {}, sealThreads: 2 })
    await n.start()
    // 40+ bits: hours of work, far beyond the inline threshold, so it runs on the worker threads
    const p = n.post({ topic: Uint8Array.of(1, 2, 3, 4), payload: new Uint8Array(100), symKey: new Uint8Array(32).fill(1), ttl: 50, pow: 1e9, workTime: 600, shh: 6 })
    const outcome = p.then(() => 'sealed', (e: unknown) => e)
    await new Promise((r) => setTimeout(r, 200)) // the workers are searching
    await n.stop()
    const err = await outcome
    expect(err).toBeInstanceOf(NodeError)
    expect((err as NodeError).code).toBe('aborted')
  })
})

describe('too big a post', () => {
  it('is refused before any PoW search, with the pool\'s reason', async () => {
    const n = new WhisperNode({ verbosity: 0, logger: () => {}, sealThreads: 1 })
    await n.start()
    try {
      // at PoW 0.2 a 2 MB envelope needs ~25 bits: ten minutes of work would end in a PoW error, not this one
      const err = await n.post({ topic: Uint8Array.of(1, 2, 3, 4), payload: new Uint8Array(2_000_000), symKey: new Uint8Array(32).fill(1), ttl: 50, pow: 0.2, workTime: 600, shh: 'both' })
        .then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(NodeError)
      expect((err as NodeError).code).toBe('rejected')
      expect((err as Error).message).toMatch(/^envelope not accepted by the node: huge messages are not allowed \(\d+ > 1048576\)$/)
    } finally {
      await n.stop()
    }
  })
})
