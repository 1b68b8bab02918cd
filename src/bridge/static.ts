// The chat page: three plain files served as they are (no build step), read once at start. They live
// in src/bridge/public/ and are found from both the TypeScript sources (tests) and dist/ (the CLI).
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { HttpServer } from '../http/server.js'

const FILES: { path: string; file: string; type: string }[] = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { path: '/style.css', file: 'style.css', type: 'text/css; charset=utf-8' },
]

// The page only talks to its own origin and runs only its own script: even if a peer's text were
// ever put into the page as HTML by mistake, no inline script or foreign resource would run.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}

function publicDir(): string {
  const candidates = [new URL('./public/', import.meta.url), new URL('../../../src/bridge/public/', import.meta.url)]
  for (const c of candidates) {
    const dir = fileURLToPath(c)
    if (existsSync(dir + 'index.html')) return dir
  }
  throw new Error('bridge page files not found (src/bridge/public/)')
}

export function registerPage(server: HttpServer): void {
  const dir = publicDir()
  for (const f of FILES) {
    const body = readFileSync(dir + f.file)
    server.route(
      'GET',
      f.path,
      (req, res) => {
        res.writeHead(200, { 'content-type': f.type, 'content-length': body.length, ...SECURITY_HEADERS })
        res.end(req.method === 'HEAD' ? undefined : body)
      },
      { public: true },
    )
  }
}
