// `p2pmessage vectors verify <file.json>`: runs a vector file through this implementation: geth's shh/5 and
// shh/6 files (told by their `protocol` field) or status-go's Waku v1 file (told by its `protocols` table).
// One line per failed entry, then `N passed, M failed`; exit 1 on any failure, 2 when the file cannot be
// read or is not a vector file.
import type { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { checkVectorFile, vectorFileVersion } from '../whisper/vectors.js'
import { checkWakuVectorFile, isWakuVectorFile } from '../waku/vectors.js'
import { CliError } from './errors.js'
import { cliIo, setExitCode } from './io.js'

export function verifyVectorFile(path: string, opts: { json?: boolean }, out: (s: string) => void = (s) => cliIo().stdout.write(s)): number {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message
    throw new CliError(`cannot read ${path}: ${why}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new CliError(`${path} is not JSON: ${(e as Error).message}`)
  }
  const waku = isWakuVectorFile(json)
  if (!waku) {
    try {
      vectorFileVersion(json)
    } catch (e) {
      throw new CliError(`${path}: ${(e as Error).message} (or a Waku file with "protocols" and "entries")`)
    }
  }
  const report = waku ? checkWakuVectorFile(json) : checkVectorFile(json)
  const protocol = 'shh' in report ? `shh/${report.shh}` : report.protocol
  // nothing checked is not a pass: a truncated or mistaken file must not look conformant
  if (report.results.length === 0 || (waku && (json as { entries: unknown[] }).entries.length === 0)) {
    throw new CliError(`${path}: no entries (a vector file lists envelopes, kdf, wnodeTopicFromPassword, status, bloom, ...; a Waku file its entries)`)
  }
  if (opts.json) {
    out(JSON.stringify({ file: path, protocol, passed: report.passed, failed: report.failed, results: report.results }) + '\n')
  } else {
    for (const r of report.results) if (!r.ok) out(`FAIL ${r.id}: ${r.reason}\n`)
    out(`${report.passed} passed, ${report.failed} failed\n`)
  }
  return report.failed > 0 ? 1 : 0
}

export function registerVectors(program: Command): void {
  const vectors = program.command('vectors').description('conformance tools for vector files made by geth (whisper) and status-go (waku)')
  vectors
    .command('verify <file>')
    .description('check every entry of a vector file (shh/5, shh/6 or waku/0+waku/1, told by its fields) against this implementation')
    .option('--json', 'one JSON object with every result instead of text lines')
    .action((file: string, opts: { json?: boolean }) => {
      const code = verifyVectorFile(file, opts)
      if (code !== 0) setExitCode(code)
    })
}
