// 4-byte topics: hex parsing/formatting and cmd/wnode's topic-from-password.
import { pbkdf2 } from '@noble/hashes/pbkdf2.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { toHex, utf8 } from './bytes.js'
import { WhisperError } from './errors.js'

/** Bytes in a topic. */
export const TOPIC_LENGTH = 4

/** Exactly 8 hex digits (optional 0x). Throws WhisperError 'topic'. */
export function parseTopic(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new WhisperError('topic', 'topic must be a hex string')
  let s = hex.trim()
  if (s.startsWith('0x') || s.startsWith('0X')) s = s.slice(2)
  if (!/^[0-9a-fA-F]{8}$/.test(s)) throw new WhisperError('topic', `topic must be 4 bytes as 8 hex digits, got '${hex}'`)
  const t = new Uint8Array(TOPIC_LENGTH)
  for (let i = 0; i < TOPIC_LENGTH; i++) t[i] = parseInt(s.substr(i * 2, 2), 16)
  return t
}

/** The topic as 8 lowercase hex digits. */
export function topicHex(topic: Uint8Array): string {
  return toHex(topic)
}

/** 128 bytes of PBKDF2-HMAC-SHA512(password, salt = password, 4096 iterations): the input of wnode's topic. */
export function wnodeTopicKeyMaterial(password: string | Uint8Array): Uint8Array {
  const pw = typeof password === 'string' ? utf8(password) : password
  return pbkdf2(sha512, pw, pw, { c: 4096, dkLen: 128 })
}

/**
 * cmd/wnode's generateTopic (identical in geth v1.6.6 .. v1.9.7): all 128 bytes of the key material
 * XOR-folded into 4 (`topic[i % 4] ^= x[i]`). For the original chat's default password "123456"
 * this gives 44c7429f, which is the original client's default topic. The shared vector files
 * (`wnodeTopicFromPassword`) hold this fold, and `vectors verify` holds them to it.
 */
export function topicFromPassword(password: string | Uint8Array): Uint8Array {
  const x = wnodeTopicKeyMaterial(password)
  const t = new Uint8Array(TOPIC_LENGTH)
  for (let i = 0; i < x.length; i++) t[i % TOPIC_LENGTH] ^= x[i]
  return t
}
