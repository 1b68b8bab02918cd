// How the node's parts raise WhisperNode's events. Listeners are the application's code: one that
// throws is a bug there, and must neither break the node's own work (ingest, peer wiring) nor keep
// the other listeners from running.
import type { EventEmitter } from 'node:events'
import type { Logger } from '../log/log.js'

export interface NodeEvents {
  /** Whether anyone listens (an event nobody reads is not built). */
  wants(event: string): boolean
  /** Each listener on its own: one that throws is logged and the others still run. */
  emit(event: string, ...args: unknown[]): void
}

export function nodeEvents(emitter: EventEmitter, log: Logger): NodeEvents {
  return {
    wants: (event) => emitter.listenerCount(event) > 0,
    emit(event, ...args) {
      // rawListeners: `once` wrappers remove themselves when called, as with emit()
      for (const l of emitter.rawListeners(event) as ((...a: unknown[]) => void)[]) {
        try {
          l.apply(emitter, args)
        } catch (err) {
          log.error(`'${event}' listener threw`, { err })
        }
      }
    },
  }
}
