// Where the helper scripts (worker threads, child processes) of the bench and the soak/flood drivers
// live. Node runs only JavaScript in a worker or a child, so from the TypeScript sources (vitest) the
// compiled copies in dist/ are used: build first (`npm test` and `npm run bench` do).
import { existsSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

// this file is src/bench/scripts.ts in the sources, dist/src/bench/scripts.js when built
const ROOT = new URL('../../', import.meta.url)

/**
 * URL of the compiled `<name>.js` next to the module `from` (its import.meta.url; default this folder,
 * src/bench/), in dist/ when `from` is a TypeScript source; throws a clear error when it was not built.
 */
export function benchScript(name: string, from: string = import.meta.url): URL {
  const url = from.endsWith('.ts')
    ? new URL(`dist/${relative(fileURLToPath(ROOT), dirname(fileURLToPath(from)))}/${name}.js`, ROOT)
    : new URL(`./${name}.js`, from)
  if (!existsSync(fileURLToPath(url))) throw new Error(`bench script not found: ${fileURLToPath(url)} (run npm run build)`)
  return url
}
