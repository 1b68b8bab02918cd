// A loopback npm registry serving the packages installed in this repository's node_modules, so the
// package tests run the real `npm install <tarball>` into an empty directory without anything leaving
// the machine: npm resolves the tarball's dependency ranges against these packuments, fetches these
// tarballs and builds its tree as it would from the public registry. Each package version is packed
// from its installed directory (without its nested node_modules) the first time its packument is asked.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

interface Installed {
  dir: string
  manifest: Record<string, unknown>
}

export interface LocalRegistry {
  url: string
  /** package names whose packument npm asked for */
  readonly asked: Set<string>
  /** name@version of every tarball npm downloaded */
  readonly downloaded: Set<string>
  close(): Promise<void>
}

/** Every installed package under `nodeModules`, nested ones too, by name and version. */
function scan(nodeModules: string, found = new Map<string, Map<string, Installed>>()): Map<string, Map<string, Installed>> {
  if (!existsSync(nodeModules)) return found
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue
    const dirs = entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((n) => join(nodeModules, entry, n)) : [join(nodeModules, entry)]
    for (const dir of dirs) {
      const file = join(dir, 'package.json')
      if (!existsSync(file)) continue
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
      const name = manifest.name as string
      const version = manifest.version as string
      if (!name || !version) continue
      const versions = found.get(name) ?? new Map<string, Installed>()
      if (!versions.has(version)) versions.set(version, { dir, manifest })
      found.set(name, versions)
      scan(join(dir, 'node_modules'), found)
    }
  }
  return found
}

/** Starts the registry on 127.0.0.1 (ephemeral port); `tmp` receives the packed tarballs. */
export async function startLocalRegistry(nodeModules: string, tmp: string): Promise<LocalRegistry> {
  const packages = scan(nodeModules)
  const tarballs = new Map<string, { file: string; id: string }>()
  const asked = new Set<string>()
  const downloaded = new Set<string>()
  let url = ''

  const packument = (name: string): object | null => {
    const versions = packages.get(name)
    if (!versions) return null
    const out: Record<string, unknown> = {}
    for (const [version, { dir, manifest }] of versions) {
      const key = `${tarballs.size}.tgz`
      const file = join(tmp, key)
      execFileSync('tar', ['-czf', file, '-C', dir, '--exclude=./node_modules', '--transform', 's,^\\./,package/,', '.'])
      const data = readFileSync(file)
      tarballs.set(key, { file, id: `${name}@${version}` })
      out[version] = {
        ...manifest,
        _id: `${name}@${version}`,
        dist: {
          tarball: `${url}/-/tarballs/${key}`,
          integrity: 'sha512-' + createHash('sha512').update(data).digest('base64'),
          shasum: createHash('sha1').update(data).digest('hex'),
        },
      }
    }
    const latest = [...versions.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1)
    return { name, 'dist-tags': { latest }, versions: out }
  }
  const cache = new Map<string, object | null>()

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0])
    const tarball = /^\/-\/tarballs\/(\d+\.tgz)$/.exec(path)
    if (tarball) {
      const t = tarballs.get(tarball[1])
      if (!t) return void res.writeHead(404).end()
      downloaded.add(t.id)
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(t.file))
      return
    }
    const name = path.slice(1)
    asked.add(name)
    if (!cache.has(name)) cache.set(name, packument(name))
    const doc = cache.get(name)
    if (!doc) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    asked,
    downloaded,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections()
      server.close(() => r())
    }),
  }
}
