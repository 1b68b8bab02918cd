import { describe, expect, it } from 'vitest'
import { buildEnvelope, completeSeal, planSeal, sealEnvelope, sealMessage, type SealParams } from '../../src/whisper/seal.js'
import { openEnvelope } from '../../src/whisper/open.js'
import {
  decodeEnvelope, encodeEnvelope, envelopePow, envelopePowBits, envelopeSize, type Envelope, type ShhVersion,
} from '../../src/whisper/envelope.js'
import { addressOf, generatePrivateKey, publicKeyOf, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { powToFirstBit } from '../../src/whisper/pow.js'
import { WhisperError } from '../../src/whisper/errors.js'
import { code, hex, loadVectors, prng } from './helpers.js'

const rnd = prng(42)
const password = 'p2pmessage test room'
const passwordKey = symKeyFromPassword(password)
const rawKey = rnd.bytes(32)
const recipient = generatePrivateKey()
const sender = generatePrivateKey()
const topic = hex('44c7429f')

const modes = ['sym-password', 'sym-raw', 'asym'] as const
const payloads = [['empty', 0], ['1KB', 1024], ['70KB', 70 * 1024]] as const
const cases: Array<[ShhVersion, (typeof modes)[number], string, number, boolean]> = []
for (const shh of [5, 6] as const) for (const m of modes) for (const [pn, len] of payloads) for (const signed of [false, true]) cases.push([shh, m, pn, len, signed])

describe('seal then open, every mode', () => {
  it.each(cases)('shh/%i %s %s signed=%s', (shh, mode, _pn, len, signed) => {
    const payload = rnd.bytes(len)
    // 70 KB: geth's own vectors use a low target for big messages (v6 hashes the whole envelope)
    const pow = len > 60000 ? 0.002 : 0.2
    const p: SealParams = {
      shh, topic, payload, ttl: 50, pow, workTime: 30,
      ...(mode === 'asym' ? { dst: publicKeyOf(recipient) } : { symKey: mode === 'sym-raw' ? rawKey : passwordKey }),
      ...(signed ? { src: sender } : {}),
    }
    const env = sealMessage(p)
    // reached its target (same formula the sealer used) and the PoW value a receiver computes is at least the target
    expect(envelopePowBits(env)).toBeGreaterThanOrEqual(powToFirstBit(pow, envelopeSize(env), env.ttl))
    expect(envelopePow(env)).toBeGreaterThanOrEqual(pow)
    // through the wire format
    const wire = decodeEnvelope(shh, encodeEnvelope(env))
    expect(wire).toEqual(env)
    if (shh === 5) expect(wire.aesNonce.length).toBe(mode === 'asym' ? 0 : 12)
    const key = mode === 'asym' ? { privateKey: recipient } : { symKey: mode === 'sym-raw' ? rawKey : symKeyFromPassword(password) }
    const msg = openEnvelope(wire, key)
    expect(msg.payload).toEqual(payload)
    expect(msg.symmetric).toBe(mode !== 'asym')
    expect(msg.sent).toBe(env.expiry - env.ttl)
    expect(msg.pow).toBe(envelopePow(env))
    if (signed) {
      expect(msg.src).toEqual(publicKeyOf(sender))
      expect(msg.address).toEqual(addressOf(publicKeyOf(sender)))
    } else {
      expect(msg.src).toBeUndefined()
    }
    // the wrong key does not open it
    const wrong = mode === 'asym' ? { privateKey: generatePrivateKey() } : { symKey: rnd.bytes(32) }
    expect(code(() => openEnvelope(wire, wrong))).toBe('decrypt')
  })
})

describe('geth Wrap/Seal semantics', () => {
  const base: SealParams = { shh: 5, topic, payload: hex('68656c6c6f'), ttl: 50, pow: 0.2, workTime: 5, symKey: rawKey, now: 1_700_000_000 }
  it('expiry = now + ttl; ttl 0 means 50; v5 version [0]; v6 nonce after the ciphertext', () => {
    const e5 = buildEnvelope(base)
    expect(e5.expiry).toBe(1_700_000_050)
    expect(e5.version).toEqual(Uint8Array.of(0))
    expect(e5.nonce).toBe(0n)
    expect(buildEnvelope({ ...base, ttl: 0 }).ttl).toBe(50)
    const e6 = buildEnvelope({ ...base, shh: 6 })
    expect(e6.version.length).toBe(0)
    expect(e6.aesNonce.length).toBe(0)
    // flags + size + 5 + padding = 256 bytes plaintext, + 16 tag + 12 nonce
    expect(e6.data.length).toBe(256 + 16 + 12)
  })
  it('explicit padding is carried and received', () => {
    const env = sealMessage({ ...base, padding: hex('0102030405') })
    expect(openEnvelope(env, { symKey: rawKey }).padding).toEqual(hex('0102030405'))
    const env6 = sealMessage({ ...base, shh: 6, padding: hex('0102030405') })
    expect(openEnvelope(env6, { symKey: rawKey }).padding).toEqual(hex('0102030405'))
  })
  it('target bits = ceil(log2(pow * size * ttl)), at least 1', () => {
    const env = buildEnvelope(base)
    expect(planSeal(env, 0.2, 5)).toMatchObject({ search: true, targetBits: Math.ceil(Math.log2(0.2 * envelopeSize(env) * 50)), workTimeMs: 5000 })
    expect(planSeal(env, 1e-9, 5).targetBits).toBe(1)
    expect(planSeal(env, 0, 5)).toMatchObject({ search: true, targetBits: 0 })
    expect(planSeal(env, 0, 5).env.expiry).toBe(env.expiry + 5)
    const e6 = buildEnvelope({ ...base, shh: 6 })
    expect(planSeal(e6, 0, 5)).toMatchObject({ search: false, targetBits: 0 })
    expect(planSeal(e6, -1, 5)).toMatchObject({ search: true, targetBits: 0 })
    expect(planSeal(e6, -1, 5).env.expiry).toBe(e6.expiry + 5)
    // v6 target uses size() = 20 + len(data), not the rlp length its PoW value divides by
    expect(planSeal(e6, 0.2, 5).targetBits).toBe(Math.ceil(Math.log2(0.2 * (20 + e6.data.length) * 50)))
    const plan = planSeal(env, 0.2, 5)
    expect(() => completeSeal(plan, { nonce: 5n, bits: plan.targetBits - 1 })).toThrowError(WhisperError)
    expect(completeSeal(plan, { nonce: 5n, bits: plan.targetBits }).nonce).toBe(5n)
  })
  it('v5 pow 0: no target, best nonce within the work time, expiry += workTime', () => {
    const env = buildEnvelope(base)
    const sealed = sealEnvelope(env, 0, 1)
    expect(sealed.expiry).toBe(env.expiry + 1)
    expect(envelopePowBits(sealed)).toBeGreaterThan(0)
    expect(openEnvelope(sealed, { symKey: rawKey }).payload).toEqual(base.payload)
  })
  it('v6 pow 0: no proof of work at all (whisperv6 Seal returns at once)', () => {
    const env = buildEnvelope({ ...base, shh: 6 })
    const sealed = sealEnvelope(env, 0, 5)
    expect(sealed).toEqual(env)
  })
  it('v6 pow < 0: best nonce within the work time, expiry += workTime', () => {
    const env = buildEnvelope({ ...base, shh: 6 })
    const sealed = sealEnvelope(env, -1, 1)
    expect(sealed.expiry).toBe(env.expiry + 1)
    expect(envelopePowBits(sealed)).toBeGreaterThan(0)
  })
  it('a target not reached in time is a WhisperError pow', () => {
    expect(code(() => sealEnvelope(buildEnvelope(base), 0.2, 0))).toBe('pow')
    expect(code(() => sealEnvelope(buildEnvelope({ ...base, shh: 6 }), 1e12, 0))).toBe('pow')
  })
  it('parameter errors', () => {
    expect(code(() => buildEnvelope({ ...base, symKey: undefined }))).toBe('params')
    expect(code(() => buildEnvelope({ ...base, dst: publicKeyOf(recipient) }))).toBe('params')
    expect(code(() => buildEnvelope({ ...base, symKey: undefined, dst: hex('04aa') }))).toBe('key')
    expect(code(() => buildEnvelope({ ...base, src: new Uint8Array(32) }))).toBe('key')
    expect(code(() => buildEnvelope({ ...base, symKey: new Uint8Array(16) }))).toBe('key')
    expect(code(() => buildEnvelope({ ...base, topic: hex('0102') }))).toBe('topic')
    expect(code(() => buildEnvelope({ ...base, ttl: 1.5 }))).toBe('params')
    expect(code(() => buildEnvelope({ ...base, pow: NaN }))).toBe('params')
    expect(code(() => buildEnvelope({ ...base, shh: 7 as 5 }))).toBe('params')
  })
})

describe('open errors', () => {
  const v5 = loadVectors('shh5-geth.json').envelopes
  const v6 = loadVectors('shh6-geth.json').envelopes
  const asym5 = decodeEnvelope(5, hex(v5.find((v: any) => v.mode === 'asym').rlp))
  const sym5 = v5.find((v: any) => v.mode === 'sym-raw')
  const sym6 = v6.find((v: any) => v.mode === 'sym-raw')
  const asym6 = v6.find((v: any) => v.mode === 'asym')
  it('v5: the envelope tells which kind of key it needs', () => {
    expect(code(() => openEnvelope(asym5, { symKey: rawKey }))).toBe('decrypt')
    expect(code(() => openEnvelope(decodeEnvelope(5, hex(sym5.rlp)), { privateKey: recipient }))).toBe('decrypt')
    expect(code(() => openEnvelope(asym5, {}))).toBe('key')
  })
  it('v6: both keys may be given, whichever fits opens it', () => {
    const e = decodeEnvelope(6, hex(asym6.rlp))
    expect(openEnvelope(e, { symKey: rawKey, privateKey: hex(asym6.recipientPrivateKey) }).symmetric).toBe(false)
    const s = decodeEnvelope(6, hex(sym6.rlp))
    expect(openEnvelope(s, { symKey: hex(sym6.symKey), privateKey: recipient }).symmetric).toBe(true)
    expect(code(() => openEnvelope(s, { symKey: rawKey, privateKey: recipient }))).toBe('decrypt')
  })
  it('truncated or too short data', () => {
    const s = decodeEnvelope(6, hex(sym6.rlp))
    expect(code(() => openEnvelope({ ...s, data: s.data.subarray(0, 11) }, { symKey: hex(sym6.symKey) }))).toBe('aes-nonce')
    expect(code(() => openEnvelope({ ...s, data: s.data.subarray(0, 20) }, { symKey: hex(sym6.symKey) }))).toBe('ciphertext')
    expect(code(() => openEnvelope({ ...s, data: s.data.subarray(1) }, { symKey: hex(sym6.symKey) }))).toBe('decrypt')
    expect(code(() => openEnvelope({ ...asym5, data: asym5.data.subarray(0, 100) }, { privateKey: recipient }))).toBe('ciphertext')
    const e5: Envelope = decodeEnvelope(5, hex(sym5.rlp))
    expect(code(() => openEnvelope({ ...e5, aesNonce: e5.aesNonce.subarray(0, 8) }, { symKey: hex(sym5.symKey) }))).toBe('aes-nonce')
  })
})
