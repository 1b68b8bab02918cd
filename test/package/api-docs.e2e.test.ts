// The reference docs (`npm run docs`, TypeDoc over the four entry points) build without a warning:
// typedoc.json makes every validation warning an error (an exported name without TSDoc, a type of
// ours the docs reach but do not include, a {@link} that resolves nowhere). Then every relative link
// in the generated pages must point to a file that exists.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from '../cli/harness.js'
import { tempDirs } from '../support/temp-dirs.js'

const run = promisify(execFile)
const dirs = tempDirs('p2pmessage-docs-', afterAll)

function pages(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? pages(p) : p.endsWith('.html') ? [p] : []
  })
}

describe('npm run docs', () => {
  it('documents every exported name, and its pages link only to pages that exist', async () => {
    const out = join(dirs.make(), 'api')
    const r = await run(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out], { cwd: ROOT })
      .catch((err: { stdout: string; stderr: string }) => ({ ...err, failed: true }))
    const log = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '')
    expect(log.split('\n').filter((l) => /\[(warning|error)\]/.test(l))).toEqual([])
    expect('failed' in r).toBe(false)
    const html = pages(out)
    for (const module of ['p2pmessage', 'p2pmessage_whisper', 'p2pmessage_rpc', 'p2pmessage_conformance']) {
      expect(html.map((p) => relative(out, p))).toContain(`modules/${module}.html`)
    }
    const broken: string[] = []
    for (const page of html) {
      for (const m of readFileSync(page, 'utf8').matchAll(/href="([^"#?]+)[^"]*"/g)) {
        const href = m[1]
        if (/^[a-z]+:/i.test(href)) continue
        if (!existsSync(join(dirname(page), decodeURIComponent(href)))) broken.push(`${relative(out, page)} -> ${href}`)
      }
    }
    expect(broken).toEqual([])
  }, 300_000) // TypeDoc is ~15 s of CPU: minutes at a load of 10 on 2 cores
})
