// The node's lifecycle phase as its parts (posting, ingest, peers) see it: WhisperNode alone moves it
// forward; the parts only read it, to refuse work before start and after stop.
import { NodeError } from './errors.js'

export type Phase = 'new' | 'starting' | 'running' | 'stopping' | 'stopped'

/** Reads the node's current phase (a function: the parts are built before the node starts). */
export type PhaseOf = () => Phase

export const isStopped = (p: Phase): boolean => p === 'stopping' || p === 'stopped'

/** NodeError 'state' unless the node is running. */
export function requireRunning(p: Phase): void {
  if (p !== 'running') throw new NodeError('state', `node is ${p === 'new' ? 'not started' : p}`)
}
