// Test helpers: raw envelopes (unencrypted data is fine for the pool, which never opens anything).
import { shhNetOf, type Net } from '../../src/p2p/net-peer.js'
import { randomBytes } from 'node:crypto'
import type { Envelope, ShhVersion } from '../../src/whisper/envelope.js'
import { encodeEnvelope, envelopeBloom, envelopePow } from '../../src/whisper/envelope.js'
import { keccak256 } from '../../src/whisper/keccak.js'
import { toHex } from '../../src/whisper/bytes.js'
import type { PoolEntry } from '../../src/node/pool.js'

export const nowSec = (): number => Math.floor(Date.now() / 1000)

export function rawEnvelope(shh: ShhVersion, o: Partial<Envelope> & { sent?: number } = {}): Envelope {
  const ttl = o.ttl ?? 50
  const sent = o.sent ?? nowSec()
  return {
    shh,
    version: o.version ?? (shh === 5 ? new Uint8Array([0]) : new Uint8Array(0)),
    expiry: o.expiry ?? sent + ttl,
    ttl,
    topic: o.topic ?? new Uint8Array([1, 2, 3, 4]),
    aesNonce: o.aesNonce ?? (shh === 5 ? new Uint8Array(randomBytes(12)) : new Uint8Array(0)),
    data: o.data ?? new Uint8Array(randomBytes(64)),
    nonce: o.nonce ?? 0n,
  }
}

export function entryOf(env: Envelope, o: { local?: boolean; pow?: number; net?: Net } = {}): PoolEntry {
  const rlp = encodeEnvelope(env)
  const hash = keccak256(rlp)
  return {
    env,
    net: o.net ?? shhNetOf(env.shh),
    hash,
    key: toHex(hash),
    pow: o.pow ?? envelopePow(env),
    bloom: envelopeBloom(env),
    size: rlp.length,
    expiry: env.expiry,
    local: o.local ?? false,
  }
}
