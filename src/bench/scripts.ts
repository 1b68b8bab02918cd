// Where the bench's helper scripts (worker threads, the baseline child process) live. Node runs only
// JavaScript in a worker or a child, so from the TypeScript sources (vitest) the compiled copies in
// dist/ are used: build first (`npm test` and `npm run bench` do).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** URL of the compiled `src/bench/<name>.js`; throws a clear error when it was not built. */
export function benchScript(name: string): URL {
  const url = import.meta.url.endsWith('.ts')
    ? new URL(`../../dist/src/bench/${name}.js`, import.meta.url)
    : new URL(`./${name}.js`, import.meta.url)
  if (!existsSync(fileURLToPath(url))) throw new Error(`bench script not found: ${fileURLToPath(url)} (run npm run build)`)
  return url
}
