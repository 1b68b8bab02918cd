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

const PACKAGE_VERSION = readPackageVersion()

export function defaultClientId(name = 'p2pmessage'): string {
  const node = process.versions.node.split('.')[0]
  return `${name}/v${PACKAGE_VERSION}/${process.platform}-${process.arch}/nodejs${node}`
}

/** Longest peer-supplied name we keep, log or show (a HELLO may carry up to 2 KiB of it). */
const PEER_NAME_MAX = 256

// Control characters and the Unicode bidi controls (an U+202E in a name reverses what a terminal or a
// page shows after it): shown as \u{...} escapes instead.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu

/** A peer-supplied string fit to keep, log and show: unsafe characters escaped, capped in length. */
export function peerText(s: string, max = PEER_NAME_MAX): string {
  const escaped = s.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)
  const chars = [...escaped]
  return chars.length <= max ? escaped : chars.slice(0, max).join('') + '…'
}
