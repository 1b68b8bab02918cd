import { readFileSync } from 'node:fs'

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

/** Deterministic PRNG (mulberry32) so fuzz failures are reproducible. */
export function prng(seed: number): { next(): number; int(n: number): number; bytes(n: number): Uint8Array } {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const bytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n)
    for (let i = 0; i < n; i++) b[i] = int(256)
    return b
  }
  return { next, int, bytes }
}
