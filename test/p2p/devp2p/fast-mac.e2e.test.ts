// The WebAssembly RLPx MAC (src/p2p/devp2p/fast-mac.ts) computes exactly devp2p's MAC: checked against the
// RLPx algorithm on noble's keccak for random frame sequences, and live against a node process
// without WebAssembly (devp2p's own MAC) exchanging messages both ways with a patched node.
import { execFile } from 'node:child_process'
import { createCipheriv, randomBytes } from 'node:crypto'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { MAC as Devp2pMAC } from '@ethereumjs/devp2p'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { afterEach, describe, expect, it } from 'vitest'
import { fastMac } from '../../../src/p2p/devp2p/fast-mac.js'
import { WhisperNode } from '../../../src/node/whisper-node.js'
import { budget } from '../../support/budget.js'

type Mac = { update(d: Uint8Array): void; updateHeader(d: Uint8Array): void; updateBody(d: Uint8Array): void; digest(): Uint8Array }

/** The RLPx spec's MAC on noble's keccak (what devp2p's rlpx/mac.js does). */
class ReferenceMac implements Mac {
  private h = keccak_256.create()
  constructor(private readonly secret: Uint8Array) {}
  private aes(x: Uint8Array): Uint8Array {
    return new Uint8Array(createCipheriv('aes-256-ecb', this.secret, null).update(x))
  }
  update(d: Uint8Array): void {
    this.h.update(d)
  }
  updateHeader(d: Uint8Array): void {
    const e = this.aes(this.digest())
    this.h.update(e.map((b, i) => b ^ d[i]))
  }
  updateBody(d: Uint8Array): void {
    this.h.update(d)
    const prev = this.digest()
    const e = this.aes(prev)
    this.h.update(e.map((b, i) => b ^ prev[i]))
  }
  digest(): Uint8Array {
    return this.h.clone().digest().slice(0, 16)
  }
}

// the class devp2p's ECIES builds its frame MACs from (exported from the package root)
const MAC = Devp2pMAC as unknown as new (secret: Uint8Array) => Mac

const nodes: WhisperNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

describe('RLPx MAC on WebAssembly keccak', () => {
  it('is in place in this process', () => {
    expect(fastMac).toBe(true)
  })

  it("equals the RLPx algorithm on noble's keccak for random frame sequences", async () => {
    for (let t = 0; t < 200; t++) {
      const secret = new Uint8Array(randomBytes(32))
      const fast = new MAC(secret)
      const ref = new ReferenceMac(secret)
      const init = new Uint8Array(randomBytes(32 + (t % 300)))
      fast.update(init)
      ref.update(init)
      for (let k = 0; k < 12; k++) {
        const header = new Uint8Array(randomBytes(16))
        fast.updateHeader(header)
        ref.updateHeader(header)
        expect(Buffer.from(fast.digest()).toString('hex')).toBe(Buffer.from(ref.digest()).toString('hex'))
        const body = new Uint8Array(randomBytes(16 * (1 + ((t * 7 + k * 13) % 90))))
        fast.updateBody(body)
        ref.updateBody(body)
        expect(Buffer.from(fast.digest()).toString('hex')).toBe(Buffer.from(ref.digest()).toString('hex'))
      }
    }
  })

  it('a node without WebAssembly (devp2p MAC) and a patched node talk both ways', async () => {
    const key = new Uint8Array(randomBytes(32))
    const topic = Uint8Array.of(1, 2, 3, 4)
    const n = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, minPow: 0.001, verbosity: 0, logger: () => {}, sealThreads: 1 })
    nodes.push(n)
    await n.start()
    const got: string[] = []
    n.subscribe({ topics: [topic], symKey: key }, (m) => {
      if (m.mine) return
      got.push(Buffer.from(m.payload).toString())
      if (got.length === 1) void n.post({ topic, payload: Buffer.from('pong'), symKey: key, ttl: 30, pow: 0.01, workTime: 5, shh: 6 })
    })
    const dist = (p: string) => pathToFileURL(fileURLToPath(new URL(`../../../dist/src/${p}`, import.meta.url))).href
    const code = `
      const { WhisperNode } = await import(${JSON.stringify(dist('node/whisper-node.js'))})
      const { fastMac } = await import(${JSON.stringify(dist('p2p/devp2p/fast-mac.js'))})
      const key = Buffer.from(process.argv[1], 'hex'), topic = Uint8Array.of(1, 2, 3, 4)
      const n = new WhisperNode({ shhVersions: [6], minPow: 0.001, verbosity: 0, logger: () => {}, sealThreads: 1 })
      await n.start()
      const done = new Promise((resolve) => n.subscribe({ topics: [topic], symKey: key }, (m) => { if (!m.mine) resolve(Buffer.from(m.payload).toString()) }))
      n.addPeer(process.argv[2])
      await n.waitForPeer(20000)
      await n.post({ topic, payload: Buffer.from('ping'), symKey: key, ttl: 30, pow: 0.01, workTime: 5, shh: 6 })
      const text = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), 20000).unref())])
      console.log(JSON.stringify({ wasm: typeof WebAssembly, fastMac, text }))
      await n.stop()
    `
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--no-expose-wasm', '--input-type=module', '-e', code, Buffer.from(key).toString('hex'), n.enode], { timeout: 60_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    )
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ wasm: 'undefined', fastMac: false, text: 'pong' })
    expect(got).toEqual(['ping'])
  }, budget(90_000))
})
