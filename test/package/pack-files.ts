// What `npm pack` may and must hold (package.json `files`): the compiled library and CLI (dist/src,
// with declarations and source maps), the TypeScript the maps point to, the bridge's page, the bin,
// README, LICENSE and CHANGELOG. Nothing else: no tests, fixtures, benches, the simulation, the WASM
// build inputs or tsc's build info.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * The ceiling for the tarball: 709 kB and 675 files when it was set (0.1.0); 809 files with the PostgreSQL
 * archive (three modules, four files each); 962 kB and 869 files with Waku as a third protocol family (its
 * capability, network bridge, rate guard, mail query, RPC flavour and conformance group).
 */
export const PACK_LIMITS = { bytes: 1_050_000, files: 950 }

const TOP = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/p2pmessage']
const LEFT_OUT = /^src\/sim\//
const OUTPUTS = /\.(js|js\.map|d\.ts)$/

function walk(dir: string, root: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p, root) : [relative(root, p)]
  })
}

/** The problems with a tarball's file list (paths relative to the package root): [] when it is right. */
export function checkPackFiles(paths: string[], root: string): string[] {
  const problems: string[] = []
  const have = new Set(paths)
  const sources = walk(join(root, 'src'), root).filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts') && !LEFT_OUT.test(p))
  const page = walk(join(root, 'src/bridge/public'), root)
  const allowed = (p: string): boolean => {
    if (TOP.includes(p) || page.includes(p)) return true
    if (p.startsWith('src/')) return p.endsWith('.ts') && !LEFT_OUT.test(p) && existsSync(join(root, p))
    if (p.startsWith('dist/src/') && OUTPUTS.test(p)) {
      const source = p.slice('dist/'.length).replace(OUTPUTS, '.ts')
      return !LEFT_OUT.test(source) && existsSync(join(root, source))
    }
    return false
  }
  for (const p of paths) if (!allowed(p)) problems.push(`unexpected: ${p}`)
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> }
  const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))).map((t) => t.replace(/^\.\//, ''))
  const required = new Set([
    ...TOP,
    ...page,
    ...targets,
    ...sources.flatMap((s) => [s, `dist/${s.replace(/\.ts$/, '.js')}`, `dist/${s.replace(/\.ts$/, '.d.ts')}`]),
  ])
  for (const p of required) if (!have.has(p)) problems.push(`missing: ${p}`)
  return problems
}
