// A progress line (bench relay's sealing and rates, the simulation's steps): on a terminal one line
// redrawn in place with \r; elsewhere plain lines. A line still open is ended (a newline) before
// anything else is printed, or an error would run on from its last character.
import type { Writable } from 'node:stream'

export interface ProgressLine {
  /** `final`: the line is complete and stays; otherwise the next update replaces it (on a terminal) */
  say(text: string, final: boolean): void
  /** Ends a line still being redrawn; call before printing anything else. */
  end(): void
}

/**
 * `prefix` starts every line (`bench relay: `); without a terminal, `plain(text)` chooses which
 * non-final updates are written at all (every one by default).
 */
export function progressLine(out: Writable & { isTTY?: boolean }, prefix: string, plain: (text: string) => boolean = () => true): ProgressLine {
  const tty = out.isTTY === true
  let open = false
  return {
    say(text, final) {
      if (tty) {
        out.write(`\r\x1b[2K${prefix}${text}${final ? '\n' : ''}`)
        open = !final
      } else if (final || plain(text)) {
        out.write(`${prefix}${text}\n`)
      }
    },
    end() {
      if (!open) return
      open = false
      out.write('\n')
    },
  }
}
