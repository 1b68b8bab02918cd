// The committed WebAssembly module is what keccak.as compiles to (spawns the compiler: e2e project;
// `npm test` also runs `check:wasm` before anything builds).
import { describe, it } from 'vitest'

describe('build output', () => {
  it('the committed keccak-wasm.ts is what keccak.as compiles to', async () => {
    const { execFileSync } = await import('node:child_process')
    // exits 1 with a message when stale
    execFileSync(process.execPath, ['src/whisper/wasm/build.mjs', '--check'], { stdio: 'pipe' })
  })
})
