import { readFileSync } from 'node:fs'
import { expect } from 'vitest'
import { WhisperError } from '../../src/whisper/errors.js'

export interface EnvelopeVector {
  name: string
  mode: 'sym-password' | 'sym-raw' | 'asym'
  rlp: string
  hash: string
  topic: string
  ttl: number
  expiry: number
  sent: number
  nonce: string
  pow: number
  powTarget: number
  payload: string
  padding?: string
  receivedPadding: string
  signed: boolean
  senderPublicKey?: string
  senderAddress?: string
  signature?: string
  password?: string
  symKey?: string
  recipientPrivateKey?: string
  recipientPublicKey?: string
  aesNonce?: string
  version?: string
  bloom?: string
}

export function loadVectors(file: 'shh5-geth.json' | 'shh6-geth.json'): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), 'utf8'))
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Deterministic PRNG (mulberry32) so fuzz failures are reproducible: the fuzz tests' own. */
export { prng } from '../fuzz/gen.js'

/** Runs fn, which must throw a WhisperError; returns its code. */
export function code(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(WhisperError)
    return (e as WhisperError).code
  }
  throw new Error('expected a WhisperError')
}
