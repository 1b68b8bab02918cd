// npm run bench:archive [-- envelopes=20000 runs=3]
// The archive's two figures, SQLite against PostgreSQL on this machine in the same run (each run
// alternates them, the median is shown), with the load average:
//  - envelopes archived per second: `envelopes` envelopes added as a mail server adds them, from the
//    first add until the last batch is committed (SQLite synchronous=FULL, PostgreSQL fsync on);
//  - one full-history request's envelopes per second: the whole archive read back in the mail server's
//    pages (64 envelopes, in (sent, arrival) order), as one request for all of it is answered.
// PostgreSQL is a throwaway server of Debian's package (bench/postgres-server.ts) on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Archive, openPgArchive, type Archive as ArchiveT } from '../src/node/archive.js'
import { envelopeHash, type Envelope } from '../src/whisper/envelope.js'
import { randomBytes } from 'node:crypto'
import { startPostgres } from './postgres-server.js'

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`${name}=`))?.split('=')[1] ?? dflt)
const N = arg('envelopes', 20_000)
const RUNS = arg('runs', 3)
const PAGE = 64

function envelopes(n: number): Envelope[] {
  const now = Math.floor(Date.now() / 1000)
  // a busy room: ~20 envelopes a second over the last n/20 seconds, 300 bytes of payload each
  return Array.from({ length: n }, (_, i) => ({
    shh: 6 as const, version: new Uint8Array(0), expiry: now - Math.floor((n - i) / 20) + 50, ttl: 50,
    topic: Uint8Array.of(1, 2, 3, 4), aesNonce: new Uint8Array(0), data: new Uint8Array(randomBytes(300)), nonce: BigInt(i),
  }))
}

async function measure(a: ArchiveT, envs: Envelope[]): Promise<{ archived: number; read: number }> {
  const hashes = envs.map((e) => envelopeHash(e))
  let t = performance.now()
  for (let i = 0; i < envs.length; i++) {
    a.add(envs[i], hashes[i])
    // as from the network: other work gets its turn between envelopes now and then
    if (i % 256 === 255) await new Promise((r) => setImmediate(r))
  }
  await a.flush()
  const archived = envs.length / ((performance.now() - t) / 1000)
  if (a.stats().envelopes !== envs.length) throw new Error(`archive holds ${a.stats().envelopes} of ${envs.length}`)
  t = performance.now()
  let n = 0
  for (let after = null as Awaited<ReturnType<ArchiveT['page']>>[number] | null; ; ) {
    const rows = await a.page(6, 0, 2 ** 32, after, PAGE)
    n += rows.length
    if (rows.length < PAGE) break
    after = rows[rows.length - 1]
  }
  if (n !== envs.length) throw new Error(`read ${n} of ${envs.length}`)
  return { archived, read: n / ((performance.now() - t) / 1000) }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]

async function main(): Promise<void> {
  const pg = await startPostgres({ fsync: true })
  const dirs: string[] = []
  const res = { sqlite: [] as { archived: number; read: number }[], postgres: [] as { archived: number; read: number }[] }
  try {
    for (let run = 0; run < RUNS; run++) {
      const envs = envelopes(N)
      const dir = mkdtempSync(join(tmpdir(), 'p2pm-bench-archive-'))
      dirs.push(dir)
      const big = { maxBytes: 4 * 1024 ** 3, retentionSeconds: 365 * 86400 }
      const s = await Archive.open({ dir, ...big })
      res.sqlite.push(await measure(s, envs))
      await s.close()
      const p = await openPgArchive({ url: await pg.createDatabase(`bench_${run}`), ...big })
      res.postgres.push(await measure(p, envs))
      await p.close()
    }
  } finally {
    await pg.stop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
  const load = loadavg().map((x) => x.toFixed(2)).join(' ')
  console.log(`archive, ${N} envelopes (~400 bytes), median of ${RUNS} runs, load average ${load}:`)
  const row = (name: string, r: { archived: number; read: number }[]) =>
    console.log(`  ${name.padEnd(10)} ${Math.round(median(r.map((x) => x.archived))).toString().padStart(7)} envelopes archived/s   ${Math.round(median(r.map((x) => x.read))).toString().padStart(7)} envelopes/s read in one full-history request`)
  row('SQLite', res.sqlite)
  row('PostgreSQL', res.postgres)
  const ratio = (k: 'archived' | 'read') => (median(res.postgres.map((x) => x[k])) / median(res.sqlite.map((x) => x[k]))).toFixed(2)
  console.log(`  PostgreSQL / SQLite: ${ratio('archived')}x archiving, ${ratio('read')}x reading`)
}

await main()
