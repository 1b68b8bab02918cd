// `p2pmessage envelope seal|open`, main() run in-process (binary.e2e.test.ts runs the real binary once).
import { describe, expect, it } from 'vitest'
import { expectUsageError, lines } from './harness.js'
import { run } from './in-process.js'
import { loadVectors } from '../whisper/helpers.js'
import { decodeEnvelope, envelopePow } from '../../src/whisper/envelope.js'
import { generatePrivateKey, publicKeyOf } from '../../src/whisper/crypto.js'
import { toHex } from '../../src/whisper/bytes.js'

const SIGNER = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
const SIGNER_ADDRESS = '2c7536e3605d9c16a7a3d7b1898e529396a65c23'


describe('p2pmessage envelope', () => {

  it("refuses an envelope over geth's default 1 MiB limit unless --force", async () => {
    const big = 'a'.repeat(1024 * 1024 + 1) // on stdin: too long for an argument
    const r = await run(['envelope', 'seal', '--shh', '6', '--password', 'p', '--pow', '0', '--padding-hex', '00'], big)
    expectUsageError(r, /^p2pmessage: envelope seal: the envelope would be \d+ bytes, over geth's default limit of 1048576 \(1 MiB\): .*--force seals it anyway$/)
    expect(r.stdout).toBe('')
    const f = await run(['envelope', 'seal', '--shh', '6', '--password', 'p', '--pow', '0', '--padding-hex', '00', '--force'], big)
    expect(f.code).toBe(0)
    expect(f.stdout.trim().length / 2).toBeGreaterThan(1024 * 1024)
  })

  it.each([5, 6])('shh/%i: seal with a password and a signature, open it again', async (shh) => {
    const s = await run(['envelope', 'seal', '--shh', String(shh), '--password', 'room pw', '--payload', 'hello world', '--sign-key', SIGNER, '--topic', '01020304', '--pow', '0.3'])
    expect(s.code).toBe(0)
    expect(s.stdout).toMatch(/^[0-9a-f]+\n$/)
    const env = decodeEnvelope(shh as 5 | 6, Buffer.from(s.stdout.trim(), 'hex'))
    expect(envelopePow(env)).toBeGreaterThanOrEqual(0.3)
    const o = await run(['envelope', 'open', s.stdout.trim(), '--password', 'room pw'])
    expect(o.code).toBe(0)
    const out = lines(o.stdout)
    expect(out[0]).toBe('payload: hello world')
    expect(out[1]).toBe(`signer:  ${SIGNER_ADDRESS}`)
    expect(out[2]).toBe(`pow:     ${envelopePow(env)}`)
    expect(out[3]).toBe('topic:   01020304')
    expect(out[4]).toMatch(new RegExp(`^sent:    ${env.expiry - env.ttl} \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\)$`))
  })

  it.each([5, 6])('shh/%i: asymmetric, payload from stdin, envelope from stdin, --json both ways', async (shh) => {
    const priv = generatePrivateKey()
    const s = await run(['envelope', 'seal', '--shh', String(shh), '--to', toHex(publicKeyOf(priv)), '--json'], 'binary \u0000 from stdin')
    expect(s.code).toBe(0)
    const sealed = JSON.parse(s.stdout)
    expect(sealed.shh).toBe(shh)
    expect(sealed.topic).toBe('44c7429f')
    expect(sealed.ttl).toBe(50)
    expect(sealed.pow).toBeGreaterThanOrEqual(0.2)
    const o = await run(['envelope', 'open', '--key', toHex(priv), '--json'], sealed.envelope + '\n')
    expect(o.code).toBe(0)
    const m = JSON.parse(o.stdout)
    expect(m).toMatchObject({ shh, payload: 'binary \u0000 from stdin', signer: null, topic: '44c7429f', symmetric: false, hash: sealed.hash, sent: sealed.sent })
  })

  it('raw symmetric key, hex payload, explicit padding', async () => {
    const key = '11'.repeat(32)
    const s = await run(['envelope', 'seal', '--shh', '6', '--sym-key', key, '--payload-hex', 'c0ffee', '--padding-hex', 'abcd'])
    const o = await run(['envelope', 'open', s.stdout.trim(), '--sym-key', key, '--json'])
    expect(JSON.parse(o.stdout)).toMatchObject({ payloadHex: 'c0ffee', paddingHex: 'abcd' })
  })

  it('opens geth-sealed vector envelopes (v5 password, v6 asymmetric)', async () => {
    const v5 = loadVectors('shh5-geth.json').envelopes.find((e: { name: string }) => e.name === 'sym-password-utf8-true')
    const o5 = await run(['envelope', 'open', v5.rlp, '--password', v5.password, '--json'])
    const m5 = JSON.parse(o5.stdout)
    expect(m5.payloadHex).toBe(v5.payload)
    expect(m5.signer.address).toBe(v5.senderAddress)
    expect(Math.abs(m5.pow - v5.pow) / v5.pow).toBeLessThan(1e-9)
    const v6 = loadVectors('shh6-geth.json').envelopes.find((e: { name: string }) => e.name === 'asym-hello-false')
    const o6 = await run(['envelope', 'open', v6.rlp, '--key', v6.recipientPrivateKey])
    expect(lines(o6.stdout).slice(0, 2)).toEqual(['payload: hello', 'signer:  (unsigned)'])
  })

  it('bad input: one line on stderr, exit 2', async () => {
    const v6 = loadVectors('shh6-geth.json').envelopes[0]
    expectUsageError(await run(['envelope', 'seal', '--password', 'x', '--payload', 'a']), /--shh 5 or --shh 6 is required/)
    expectUsageError(await run(['envelope', 'seal', '--shh', '5', '--payload', 'a']), /exactly one of --password, --sym-key, --to/)
    expectUsageError(await run(['envelope', 'seal', '--shh', '5', '--sym-key', 'abcd', '--payload', 'a']), /--sym-key.*32 bytes/)
    expectUsageError(await run(['envelope', 'seal', '--shh', '5', '--to', '04' + 'ab'.repeat(64), '--payload', 'a']), /--to/)
    expectUsageError(await run(['envelope', 'seal', '--shh', '6', '--password', 'x', '--payload', 'a', '--topic', 'xyz']), /--topic/)
    expectUsageError(await run(['envelope', 'seal', '--shh', '6', '--password', 'x', '--payload', 'a', '--sign-key', '00']), /--sign-key/)
    expectUsageError(await run(['envelope', 'seal', '--shh', '6', '--password', 'x', '--payload-hex', 'zz']), /--payload-hex/)
    expectUsageError(await run(['envelope', 'seal', '--shh', '5', '--password', 'x', '--payload', 'a', '--pow', '1e5', '--work', '0']), /cannot seal: failed to reach the PoW target/)
    expectUsageError(await run(['envelope', 'open', '--password', 'x'], ''), /no envelope given/)
    expectUsageError(await run(['envelope', 'open', 'f8', '--password', 'x']), /not an envelope/)
    expectUsageError(await run(['envelope', 'open', v6.rlp.slice(0, -2), '--password', 'x']), /not an envelope/)
    expectUsageError(await run(['envelope', 'open', v6.rlp, '--shh', '5', '--password', 'x']), /not a valid shh\/5 envelope/)
    expectUsageError(await run(['envelope', 'open', v6.rlp, '--password', 'wrong']), /cannot open the envelope: AES-GCM authentication failed/)
    expectUsageError(await run(['envelope', 'open', v6.rlp, '--key', generatePrivateKeyHex()]), /cannot open the envelope/)
    expectUsageError(await run(['envelope', 'open', v6.rlp]), /exactly one of --password, --sym-key, --key/)
  })
})

function generatePrivateKeyHex(): string {
  return toHex(generatePrivateKey())
}
