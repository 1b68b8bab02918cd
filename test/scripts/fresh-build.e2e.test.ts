// `npm run build:fresh` (what sim, bench, soak and flood run first) on a scratch checkout: the first run
// compiles the WebAssembly module and the TypeScript, a second compiles nothing, and a newer source
// compiles only what depends on it.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { budget } from '../support/budget.js'

const REPO = resolve(import.meta.dirname, '../..')
const SCRIPT = join(REPO, 'scripts/fresh-build.mjs')
const WASM = 'src/whisper/wasm'
const dirs = tempDirs('p2pm-fresh-build-', afterAll)

/** Runs the script on a checkout at `root`; its one stderr line. */
function build(root: string): string {
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
  expect(r.stdout).toBe('')
  const lines = r.stderr.split('\n').filter(Boolean)
  expect(lines).toHaveLength(1)
  return lines[0]
}

/** Moves a file's time a minute ahead (longer than any compile here): "just edited", whatever the clock resolution. */
function touch(file: string): void {
  const t = Date.now() / 1000 + 60
  utimesSync(file, t, t)
}

describe('build:fresh', () => {
  it('builds what is stale and nothing else', () => {
    const root = dirs.make()
    mkdirSync(join(root, WASM), { recursive: true })
    for (const f of ['keccak.as', 'build.mjs', 'keccak-wasm.ts']) copyFileSync(join(REPO, WASM, f), join(root, WASM, f))
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'))
    writeFileSync(join(root, 'src/a.ts'), 'export const a: number = 1\n')
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'dist', rootDir: '.', types: [] },
      include: ['src/**/*.ts'],
    }))
    // a checkout's keccak-wasm.ts may predate keccak.as (git keeps no times)
    utimesSync(join(root, WASM, 'keccak-wasm.ts'), 1, 1)

    expect(build(root)).toMatch(/^build: compiled WebAssembly module and 2 changed TypeScript files in [\d.]+ s$/)
    const aJs = join(root, 'dist/src/a.js')
    const built = statSync(aJs).mtimeMs
    expect(build(root)).toBe('build: up to date')
    expect(statSync(aJs).mtimeMs).toBe(built)

    touch(join(root, 'src/a.ts'))
    expect(build(root)).toMatch(/^build: compiled 1 changed TypeScript file in /)
    expect(build(root)).toBe('build: up to date')

    // keccak.as edited: the module is compiled again; the same bytes come out, dated now, so the
    // next run has nothing to do
    touch(join(root, WASM, 'keccak.as'))
    expect(build(root)).toMatch(/^build: compiled WebAssembly module and 1 changed TypeScript file in /)
    expect(build(root)).toBe('build: up to date')
  }, budget(180_000))
})
