// Builds only what is out of date, for the npm scripts that run compiled code (sim, bench, soak, flood)
// and for the tests' global setup (test/support/fresh-dist.ts):
//   - the WebAssembly module: src/whisper/wasm/keccak-wasm.ts is regenerated when keccak.as or its
//     build script is newer than it (compiling AssemblyScript takes most of a full build);
//   - TypeScript: when a .ts under src/ or bench/ is newer than its .js in dist/ (or has none), one
//     incremental tsc (dist/.tsbuildinfo) rewrites what changed.
// Nothing changed: a walk of the source tree, a few milliseconds. Plain JavaScript: it runs before
// anything is compiled. `npm run build` still rebuilds everything.
//   node scripts/fresh-build.mjs [--quiet] [--root DIR]   (DIR: another checkout, default this one)
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(import.meta.dirname, '..')
const SOURCES = ['src', 'bench']
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

/** The `tsc` of `npm run build:ts`, incremental. */
export const TSC_ARGS = ['-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo']

const WASM_DIR = 'src/whisper/wasm'
const WASM_INPUTS = ['keccak.as', 'build.mjs']
const WASM_OUTPUT = 'keccak-wasm.ts'

/**
 * Every source file (relative to root) whose compiled .js is missing or older than it.
 * @returns {{ source: string, output: string, missing: boolean, sourceMs: number }[]}
 */
export function staleSources(root = ROOT) {
  const stale = []
  const declarations = emitsDeclarations(root)
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name)
      if (entry.isDirectory()) walk(rel)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const output = join(root, 'dist', rel.replace(/\.ts$/, '.js'))
        const sourceMs = statSync(join(root, rel)).mtimeMs
        // the declarations too (the package's types): a dist/ built before they were emitted has none
        const missing = !existsSync(output) || (declarations && !existsSync(output.replace(/\.js$/, '.d.ts')))
        if (missing || statSync(output).mtimeMs < sourceMs) stale.push({ source: rel, output, missing, sourceMs })
      }
    }
  }
  for (const dir of SOURCES) if (existsSync(join(root, dir))) walk(dir)
  return stale
}

/** Whether the checkout's tsconfig.json emits .d.ts files (ours does, for the package's types). */
function emitsDeclarations(root) {
  try {
    return JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions?.declaration === true
  } catch {
    return false
  }
}

/** True when keccak-wasm.ts is missing or older than keccak.as or the script that generates it. */
export function wasmStale(root = ROOT) {
  const out = join(root, WASM_DIR, WASM_OUTPUT)
  if (!existsSync(out)) return true
  const outMs = statSync(out).mtimeMs
  return WASM_INPUTS.some((f) => existsSync(join(root, WASM_DIR, f)) && statSync(join(root, WASM_DIR, f)).mtimeMs > outMs)
}

/** Regenerates keccak-wasm.ts when stale; true when the compiler ran. */
export function ensureFreshWasm(root = ROOT) {
  if (!wasmStale(root)) return false
  execFileSync(process.execPath, [join(root, WASM_DIR, 'build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  // build.mjs leaves an unchanged module as it is: date it after its inputs, or it would look stale
  // on every run
  const out = join(root, WASM_DIR, WASM_OUTPUT)
  if (existsSync(out) && wasmStale(root)) {
    const newest = Math.max(...WASM_INPUTS.map((f) => join(root, WASM_DIR, f)).filter(existsSync).map((f) => statSync(f).mtimeMs))
    const t = (Math.max(Date.now(), Math.ceil(newest) + 1)) / 1000
    utimesSync(out, t, t)
  }
  return true
}

/** Compiles dist/ when a source is newer; returns how many sources were stale. */
export function ensureFreshDist(root = ROOT) {
  const stale = staleSources(root)
  if (stale.length === 0) return 0
  // tsc --incremental trusts its build info and does not look at the outputs: when one is missing
  // (dist/ partly deleted) only a full compile brings it back
  const info = join(root, 'dist/.tsbuildinfo')
  if (stale.some((s) => s.missing) && existsSync(info)) rmSync(info)
  let log = ''
  try {
    execFileSync(process.execPath, [TSC, ...TSC_ARGS], { cwd: root, stdio: 'pipe' })
  } catch (err) {
    // tsc still emits when some file has a type error (`npm run typecheck` reports those)
    log = err?.stdout?.toString() ?? ''
  }
  for (const s of staleSources(root)) {
    if (s.missing) throw new Error(`tsc -p tsconfig.json did not compile ${s.source}:\n${log}`)
    // a file saved again without a change is not re-emitted by an incremental compile: its output is
    // current (tsc just checked it), so it is dated just after the source and stops looking stale (1 ms
    // later: utimes takes seconds as a double, which can land a few microseconds short of the source)
    const t = (Math.ceil(s.sourceMs) + 1) / 1000
    utimesSync(s.output, t, t)
  }
  return stale.length
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const quiet = process.argv.includes('--quiet')
  const at = process.argv.indexOf('--root')
  const root = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : ROOT
  const t0 = performance.now()
  try {
    const wasm = ensureFreshWasm(root)
    const ts = ensureFreshDist(root)
    if (!quiet) {
      const what = [wasm ? 'WebAssembly module' : '', ts ? `${ts} changed TypeScript file${ts === 1 ? '' : 's'}` : ''].filter(Boolean)
      process.stderr.write(what.length === 0 ? 'build: up to date\n' : `build: compiled ${what.join(' and ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
    }
  } catch (err) {
    process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
}
