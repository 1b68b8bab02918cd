// `npm pack` / `npm publish`: dist/ as the sources are now. tsc compiles what changed (the same
// incremental build the tests' global setup runs), then compiled files whose source is gone are
// removed, so the tarball never carries a module that no longer exists in src/.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'], { cwd: root, stdio: 'inherit' })

const OUTPUT = /(\.d\.ts|\.js\.map|\.js)$/
function prune(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name)
    if (entry.isDirectory()) {
      prune(file)
      if (readdirSync(file).length === 0) rmSync(file, { recursive: true })
    } else if (OUTPUT.test(entry.name)) {
      const source = join(root, relative(join(root, 'dist'), file)).replace(OUTPUT, '.ts')
      if (!existsSync(source)) rmSync(file)
    }
  }
}
prune(join(root, 'dist/src'))
