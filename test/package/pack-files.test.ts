// The tarball rule of pack-files.ts on made-up listings: the real listing is checked in
// install.e2e.test.ts (it needs `npm pack`); here, that the rule refuses what must not ship and
// notices what is missing.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../cli/harness.js'
import { checkPackFiles } from './pack-files.js'

/** What `files` in package.json selects, listed from the tree (dist/ as the global setup built it). */
function expected(): string[] {
  const walk = (dir: string): string[] => readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(dir, f)
    return statSync(join(ROOT, p)).isDirectory() ? walk(p) : [p]
  })
  // a developer's dist/ may still hold the output of a deleted source (prepack removes those before packing)
  const compiled = (p: string) => existsSync(join(ROOT, p.slice('dist/'.length).replace(/\.(js|js\.map|d\.ts)$/, '.ts')))
  const dist = walk('dist/src').filter((p) => /\.(js|js\.map|d\.ts)$/.test(p) && !p.startsWith('dist/src/sim/') && compiled(p))
  const src = walk('src').filter((p) => (p.endsWith('.ts') || p.startsWith('src/bridge/public/')) && !p.startsWith('src/sim/'))
  return ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/p2pmessage', ...dist, ...src].map((p) => relative('.', p))
}

describe('checkPackFiles', () => {
  it('accepts exactly what `files` selects', () => {
    expect(checkPackFiles(expected(), ROOT)).toEqual([])
  })

  it('refuses tests, fixtures, the simulation, build inputs and build info', () => {
    const extra = ['test/architecture.test.ts', 'fixtures/x.json', 'dist/src/sim/main.js', 'src/sim/main.ts', 'src/whisper/wasm/keccak.as', 'dist/.tsbuildinfo', 'dist/bench/pow.js', 'dist/src/node/gone.js']
    expect(checkPackFiles([...expected(), ...extra], ROOT)).toEqual(extra.map((p) => `unexpected: ${p}`))
  })

  it('notices a missing entry point, declaration or page', () => {
    const gone = ['dist/src/whisper/index.js', 'dist/src/rpc/index.d.ts', 'src/bridge/public/index.html', 'LICENSE']
    expect(checkPackFiles(expected().filter((p) => !gone.includes(p)), ROOT).sort()).toEqual(gone.map((p) => `missing: ${p}`).sort())
  })
})
