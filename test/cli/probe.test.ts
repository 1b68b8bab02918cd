// `p2pmessage probe` with bad input: one line, exit 2, before any connection; main() run in-process.
// (Failing and unreachable nodes: probe.e2e.test.ts.)
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { run } from './in-process.js'

describe('probe input', () => {
  it('bad input exits 2 with one line', async () => {
    const bad = await run(['probe', 'enode://nope'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^p2pmessage: /)
    const id = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false).subarray(1)).toString('hex')
    const groups = await run(['probe', `enode://${id}@127.0.0.1:1`, '--only', 'status,bogus'])
    expect(groups.code).toBe(2)
    expect(groups.stderr).toMatch(/--only status,bogus: unknown group bogus; groups: rlpx, status, envelope, forward, packets, p2p, mail, limits, rpc/)
    const emptyPw = await run(['probe', `enode://${id}@127.0.0.1:1`, '--mail-password', ''])
    expect(emptyPw.code).toBe(2)
    expect(emptyPw.stderr).toMatch(/--mail-password: empty password/)
  })
})
