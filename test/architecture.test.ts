// The layer rules of docs/architecture.md, enforced on every relative import under src/: a layer may
// import only the layers listed for it (and itself). A new folder must be added here and there.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PRIVATE_MEMBER_NAMES } from '../src/p2p/devp2p/contract.js'

const SRC = resolve(__dirname, '../src')

const ALLOWED: Record<string, string[]> = {
  whisper: [],
  // Waku v1 (status-go's waku/0, waku/1): pure like whisper, on whisper's envelope, RLP and crypto
  waku: ['whisper'],
  // the one logger of every layer but the pure protocol
  log: [],
  p2p: ['whisper', 'waku', 'log'],
  // Waku's error codes and status values for confirmations and our own status
  node: ['whisper', 'waku', 'p2p', 'log'],
  // the conformance suite talks to a remote node over raw connections: no WhisperNode, no adapters
  conformance: ['whisper', 'waku', 'p2p', 'log'],
  // the HTTP server, access policy and limits the bridge and the JSON-RPC both run on
  http: ['log'],
  bridge: ['node', 'whisper', 'p2p', 'http', 'log'],
  rpc: ['node', 'whisper', 'p2p', 'http', 'log'],
  // Prometheus metrics of a running node, served on the shared HTTP server
  metrics: ['node', 'http', 'log'],
  cli: ['node', 'whisper', 'waku', 'p2p', 'conformance', 'bridge', 'rpc', 'bench', 'metrics', 'log'],
  bench: ['node', 'whisper', 'p2p', 'log'],
  // the in-process network simulation: real nodes over an in-memory transport, figures from bench's stats
  sim: ['node', 'whisper', 'p2p', 'bench', 'log'],
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) return files(p)
    return p.endsWith('.ts') ? [p] : []
  })
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]

describe('architecture: layer import rules', () => {
  it('every folder under src/ has rules', () => {
    const dirs = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory())
    expect(dirs.filter((d) => !(d in ALLOWED))).toEqual([])
  })

  it('each relative import stays within the layers its folder may use', () => {
    const bad: string[] = []
    for (const f of files(SRC)) {
      const from = layerOf(f)
      const text = readFileSync(f, 'utf8')
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const to = layerOf(resolve(dirname(f), m[1]))
        if (to !== from && !ALLOWED[from]?.includes(to)) bad.push(`${relative(SRC, f)} imports ${m[1]} (${from} -> ${to})`)
      }
    }
    expect(bad).toEqual([])
  })

  it('only src/p2p/devp2p/ imports devp2p or reads its private members (docs/architecture.md, devp2p door)', () => {
    // PRIVATE_MEMBER_NAMES: every devp2p private member the door's contract lists. `_handleMessage` is
    // the callback devp2p calls on each sub-protocol: ours implement it, it is our own method.
    const names = PRIVATE_MEMBER_NAMES.filter((n) => n !== '_handleMessage')
    const member = new RegExp(`(\\.|\\[')(${names.join('|')})\\b`)
    const adHocView = /as unknown as \{[^}]*\b_[a-z]\w*\??\s*[:(]/
    const door = [join(SRC, 'p2p/devp2p'), resolve(__dirname, 'p2p/devp2p')]
    const all = [SRC, resolve(__dirname), resolve(__dirname, '../bench')].flatMap(files).filter((f) => !door.some((d) => f.startsWith(d + '/')))
    const bad: string[] = []
    for (const f of all) {
      const text = readFileSync(f, 'utf8').replace(/^\s*\/\/.*$/gm, '')
      const where = relative(resolve(__dirname, '..'), f)
      if (/from '@ethereumjs\/(devp2p|common)'|import\('@ethereumjs\/(devp2p|common)'\)/.test(text)) bad.push(`${where} imports devp2p (or its Common) directly`)
      // only files that can hold a devp2p object (in src/p2p/, or importing p2p code) are checked for member reads
      const holdsDevp2p = f.startsWith(join(SRC, 'p2p') + '/') || /from '[^']*(\/p2p\/|devp2p)[^']*'/.test(text)
      if (!holdsDevp2p) continue
      for (const line of text.split('\n')) {
        if (member.test(line) || adHocView.test(line)) bad.push(`${where}: ${line.trim()}`)
      }
    }
    expect(bad).toEqual([])
  })

  it('the conformance suite is listed in docs/architecture.md layers', () => {
    expect(readFileSync(resolve(__dirname, '../docs/architecture.md'), 'utf8')).toMatch(/\| conformance \| `src\/conformance\/`/)
  })
})
