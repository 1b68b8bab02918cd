// What the WhisperNode fuzz tests share: the node under fuzz with one well-behaved peer connected to
// it (each test then checks that this peer survives), and polling waits with a deadline.
import { WhisperNode } from '../../src/node/whisper-node.js'

/** A logger that keeps every error-level line (level <= 1) in `errors`: a fuzz run must log none. */
export function errorsInto(errors: string[]): (level: number, msg: string) => void {
  return (level, msg) => {
    if (level <= 1) errors.push(msg)
  }
}

/**
 * Starts the target (listening on loopback) and a shh/6 good peer, runs `beforeConnect` (subscriptions),
 * then connects them and waits until each side sees the other.
 */
export async function targetWithGoodPeer(
  errors: string[],
  beforeConnect: (target: WhisperNode, good: WhisperNode) => void = () => {},
): Promise<{ target: WhisperNode; good: WhisperNode }> {
  const logger = errorsInto(errors)
  const target = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, minPow: 0.001, verbosity: 1, logger, sealThreads: 1 })
  const good = new WhisperNode({ shhVersions: [6], minPow: 0.001, verbosity: 1, logger, sealThreads: 1 })
  try {
    await target.start()
    await good.start()
    beforeConnect(target, good)
    good.addPeer(target.enode)
    await good.waitForPeer(10_000)
    await until(() => target.peers().some((p) => p.id === good.id), 10_000, 'the good peer')
  } catch (err) {
    // the caller never gets them to stop
    await Promise.all([good.stop(), target.stop()])
    throw err
  }
  return { target, good }
}

export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer))
}
