// A throwaway PostgreSQL server from Debian's `postgresql` package, for the tests (test/support/postgres.ts)
// and the archive benchmark: initdb in a fresh directory, listening on a free port of 127.0.0.1 only (its
// unix socket in that directory), stopped and deleted by stop(). initdb and postgres refuse to run as root:
// as root both run as the package's `postgres` user (setpriv), owning the directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export interface PostgresServer {
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/DB of a database made for the caller */
  url: string
  port: number
  user: string
  password: string
  /** a URL of another fresh database on the same server */
  createDatabase(name: string): Promise<string>
  stop(): Promise<void>
}

const USER = 'p2p'
const PASSWORD = 'archive-test-password'

/** The newest installed server's bin directory, or null when the package is not installed. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
  versions.sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? join(root, versions[0], 'bin') : null
}

function asOwner(): { uid: number; gid: number; wrap: string[] } | null {
  if (process.getuid?.() !== 0) return null
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim())
  const uid = id('-u')
  const gid = id('-g')
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root, and there is no `postgres` user to run PostgreSQL as (install Debian\'s postgresql package)')
  return { uid, gid, wrap: ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--'] }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Starts a server; the caller must stop() it. `fsync: false` for tests (nothing here survives a power cut anyway). */
export async function startPostgres(o: { fsync?: boolean } = {}): Promise<PostgresServer> {
  const bin = findPostgresBin()
  if (bin === null) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): apt-get install -y postgresql')
  const owner = asOwner()
  const dir = mkdtempSync(join(tmpdir(), 'pg-'))
  const run = (cmd: string[]) => (owner ? [...owner.wrap, ...cmd] : cmd)
  try {
    if (owner) {
      // the postgres user must reach the directory: every parent gets traverse (not list) permission
      for (let d = dirname(dir); d !== '/'; d = dirname(d)) {
        const mode = statSync(d).mode
        if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o011)
      }
      chownSync(dir, owner.uid, owner.gid)
    }
    const pwfile = join(dir, 'pw')
    writeFileSync(pwfile, PASSWORD + '\n', { mode: 0o600 })
    if (owner) chownSync(pwfile, owner.uid, owner.gid)
    const data = join(dir, 'data')
    const [cmd, ...args] = run([join(bin, 'initdb'), '-D', data, '-U', USER, `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'])
    const init = spawnSync(cmd, args, { encoding: 'utf8' })
    if (init.status !== 0) throw new Error(`initdb failed: ${(init.stderr || init.stdout || String(init.error)).trim().split('\n').pop()}`)
    rmSync(pwfile)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const port = await freePort()
  const settings = [`listen_addresses=127.0.0.1`, `port=${port}`, `unix_socket_directories=${dir}`, `fsync=${o.fsync === false ? 'off' : 'on'}`, 'max_connections=100', 'logging_collector=off']
  const [cmd, ...args] = run([join(bin, 'postgres'), '-D', join(dir, 'data'), ...settings.flatMap((s) => ['-c', s])])
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  try {
    await ready(child)
  } catch (err) {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`
  let stopped: Promise<void> | null = null
  return {
    url: `${base}/postgres`,
    port,
    user: USER,
    password: PASSWORD,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`)
      const [c, ...a] = [join(bin, 'createdb'), '-h', '127.0.0.1', '-p', String(port), '-U', USER, name]
      const r = spawnSync(c, a, { encoding: 'utf8', env: { ...process.env, PGPASSWORD: PASSWORD } })
      if (r.status !== 0) throw new Error(`createdb ${name} failed: ${(r.stderr || String(r.error)).trim()}`)
      return `${base}/${name}`
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true })
          resolve()
        }
        if (child.exitCode !== null || child.signalCode !== null) return done()
        child.once('exit', done)
        // SIGINT: PostgreSQL's fast shutdown (sessions ended, no waiting for clients)
        child.kill('SIGINT')
      })
      return stopped
    },
  }
}

/** Resolves when the server says it accepts connections; rejects with its last line when it exits first. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = ''
    let last = ''
    const onData = (d: Buffer) => {
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const l of lines) {
        if (l.trim() !== '') last = l
        if (l.includes('database system is ready to accept connections')) {
          child.stderr?.off('data', onData)
          // keep draining: a full pipe would stall the server
          child.stderr?.resume()
          child.off('exit', onExit)
          resolve()
        }
      }
    }
    const onExit = (code: number | null) => reject(new Error(`postgres exited (${code}) before it was ready: ${last}`))
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}
