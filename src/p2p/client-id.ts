// The client id sent in the devp2p hello, shaped like geth's "Geth/v1.6.6-stable/linux-amd64/go1.8.3"
// so that peers' logs and admin.peers show something familiar: name/vVERSION/OS-ARCH/RUNTIME.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Found by walking up from this file, so it works from src/ (tests) and from dist/src/ (built).
function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'p2pmessage' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // not here: keep walking up
    }
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return '0.0.0'
}

export const PACKAGE_VERSION = readPackageVersion()

export function defaultClientId(name = 'p2pmessage'): string {
  const node = process.versions.node.split('.')[0]
  return `${name}/v${PACKAGE_VERSION}/${process.platform}-${process.arch}/nodejs${node}`
}
