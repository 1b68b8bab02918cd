// The target's peer slots, seen from the suite: how many connections the suite holds at once (the
// most goes in the report), and what a refusal for want of a slot looks like. A node at its peer
// limit answers a new connection with DISCONNECT TOO_MANY_PEERS (geth before the hello, our relay
// right after it). That says nothing about the rule a check tests, so the check waits for a slot
// and starts over; when none frees up in time it is skipped, never failed.
import { DISCONNECT_REASON } from '../p2p/devp2p/index.js'
import type { ProbeClose } from '../p2p/probe-connection.js'
import type { RawShhConnection } from '../p2p/raw-shh-connection.js'

/** The skip reason of a check that never got a slot (tests and scripts match on it). */
export const NO_FREE_SLOT = 'no free peer slot'

/** Thrown when the node refused one of our connections for want of a slot. */
export class NoPeerSlot extends Error {
  constructor() {
    super(`${NO_FREE_SLOT}: the node answered TOO_MANY_PEERS`)
  }
}

export function refusedForSlot(c: ProbeClose | null): boolean {
  return c !== null && !c.byUs && c.reason === DISCONNECT_REASON.TOO_MANY_PEERS
}

/** Counts the suite's open connections to the node, shared by every check of a run. */
export class PeerSlots {
  private held = 0
  private most = 0
  /** how many connections the node refused with TOO_MANY_PEERS */
  refusals = 0

  get peak(): number {
    return this.most
  }

  track(c: RawShhConnection): void {
    this.held++
    this.most = Math.max(this.most, this.held)
    void c.closed.then((close) => {
      this.held--
      if (refusedForSlot(close)) this.refusals++
    })
  }
}

/** Pause before attempt `n` (from 1) after a refusal: short at first (the node may still be counting a
 * peer we just closed), then longer, so a full node is asked a few times a second at most. */
export function slotBackoffMs(n: number): number {
  return Math.min(2000, 250 * 2 ** (n - 1))
}
