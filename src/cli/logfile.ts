// `--log-file PATH`: log lines appended to a file instead of stderr, for a service. The file is created
// 0600 (lines name peers and addresses) and written synchronously, so the last lines before an exit
// are in it. logrotate renames the file and sends SIGHUP: reopen() then starts a new file at PATH while
// lines written until then stay in the renamed one.
import { closeSync, openSync, writeSync } from 'node:fs'
import { CliError } from './errors.js'

export interface LogFile {
  readonly path: string
  write(line: string): void
  /** Closes the current file and opens PATH again; on failure keeps writing to the old one and says why. */
  reopen(): void
  close(): void
}

function open(path: string): number {
  return openSync(path, 'a', 0o600)
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  if (e?.code === 'ENOENT') return 'its directory does not exist'
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied'
  if (e?.code === 'EISDIR') return 'it is a directory'
  return e instanceof Error ? e.message.split('\n')[0] : String(err)
}

/** Opens (creates 0600, appends) the log file; an unusable path is a one-line CliError. */
export function openLogFile(path: string, onError: (line: string) => void = (l) => process.stderr.write(l + '\n')): LogFile {
  if (path.trim() === '') throw new CliError('--log-file needs a file path')
  let fd: number
  try {
    fd = open(path)
  } catch (err) {
    throw new CliError(`cannot open --log-file ${path}: ${reason(err)}`)
  }
  let closed = false
  return {
    path,
    write(line) {
      if (closed) return
      try {
        writeSync(fd, line + '\n')
      } catch (err) {
        // a full disk must not stop the node: the line goes to stderr instead
        onError(`p2pmessage: cannot write --log-file ${path}: ${reason(err)}; line: ${line}`)
      }
    },
    reopen() {
      if (closed) return
      let next: number
      try {
        next = open(path)
      } catch (err) {
        onError(`p2pmessage: cannot reopen --log-file ${path}: ${reason(err)}; still writing to the file open before`)
        return
      }
      const old = fd
      fd = next
      closeSync(old)
    },
    close() {
      if (closed) return
      closed = true
      closeSync(fd)
    },
  }
}
