// The mail client side (geth's cmd/wnode -mailclient, RequestHistoricMessages): ask a connected mail
// server for the envelopes of a time range; it answers with p2p messages, which reach this node's
// filters that allow p2p (the server is marked trusted, as geth does when it sends a request).
//
// The protocol has no "end of history" packet, so the answer counts as complete once messages stopped
// arriving for `quietMs`, and as unanswered when nothing came within `timeoutMs` (which is also what
// an empty range, a wrong password or a server that refused the request look like).
import { encodeMailRequestPayload } from '../whisper/mailrequest.js'
import { symKeyFromPassword } from '../whisper/crypto.js'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { nodeIdOf } from '../p2p/enode.js'
import { NodeError } from './errors.js'
import type { PeerSummary, WhisperNode } from './whisper-node.js'

export interface HistoryOptions {
  /** enode URL or node id of a connected mail server */
  mailserver: string
  /** the mail server's password */
  password: string
  /** unix seconds: from (inclusive) ... */
  lower: number
  /** ... to (v5 servers leave this second out, v6 servers include it) */
  upper: number
  /** only this topic (v5: the topic; v6: its bloom); default every topic */
  topic?: Uint8Array
  /** PoW of the request (geth's servers default to 0.2) */
  pow?: number
  workTime?: number
  /** no answer within this: 'no-answer' (default 10 s) */
  timeoutMs?: number
  /** answers stopped this long: 'complete' (default 2 s) */
  quietMs?: number
  /** signing key; default the node key, which geth 1.7.3 (shh/5) servers require */
  signer?: Uint8Array
  signal?: AbortSignal
}

export interface HistoryResult {
  status: 'complete' | 'no-answer'
  /** p2p messages received from the server while waiting (not all need be for our filters) */
  envelopes: number
  shh: ShhVersion
}

/** Resolves with the mail server's peer summary once it is connected (NodeError 'timeout' after timeoutMs). */
export function waitForMailServer(node: WhisperNode, mailserver: string, timeoutMs: number): Promise<PeerSummary> {
  const id = nodeIdOf(mailserver)
  const now = node.peers().find((p) => p.id === id)
  if (now) return Promise.resolve(now)
  return new Promise((resolve, reject) => {
    const onPeer = (p: PeerSummary) => {
      if (p.id !== id) return
      clearTimeout(timer)
      node.off('peer:added', onPeer)
      resolve(p)
    }
    const timer = setTimeout(() => {
      node.off('peer:added', onPeer)
      reject(new NodeError('timeout', `mail server ${id.slice(0, 16)} did not connect within ${Math.round(timeoutMs / 1000)} s`))
    }, timeoutMs)
    timer.unref()
    node.on('peer:added', onPeer)
  })
}

/** Sends one history request and waits for the answers to stop (see the file comment). */
export async function fetchHistory(node: WhisperNode, o: HistoryOptions): Promise<HistoryResult> {
  const id = nodeIdOf(o.mailserver)
  const peer = node.peers().find((p) => p.id === id)
  if (!peer) throw new NodeError('peer', `mail server ${id.slice(0, 16)} is not connected`)
  const shh = peer.shh
  const payload = encodeMailRequestPayload(shh, { lower: o.lower, upper: o.upper, topic: o.topic })
  const env: Envelope = await node.wrap({
    shh,
    topic: new Uint8Array(4), // wnode leaves the request's topic empty
    payload,
    symKey: symKeyFromPassword(o.password),
    src: o.signer ?? node.privateKey,
    ttl: 50,
    pow: o.pow ?? 0.2,
    workTime: o.workTime ?? 5,
  })
  const timeoutMs = o.timeoutMs ?? 10_000
  const quietMs = o.quietMs ?? 2_000
  let count = 0
  return new Promise<HistoryResult>((resolve, reject) => {
    let timer: NodeJS.Timeout
    const done = (status: HistoryResult['status']) => {
      clearTimeout(timer)
      node.off('p2pMessage', onMessage)
      o.signal?.removeEventListener('abort', onAbort)
      resolve({ status, envelopes: count, shh })
    }
    const onAbort = () => {
      clearTimeout(timer)
      node.off('p2pMessage', onMessage)
      reject(new NodeError('aborted', 'history request cancelled'))
    }
    const onMessage = (from: string) => {
      if (from !== id) return
      count++
      clearTimeout(timer)
      timer = setTimeout(() => done('complete'), quietMs)
    }
    node.on('p2pMessage', onMessage)
    o.signal?.addEventListener('abort', onAbort, { once: true })
    timer = setTimeout(() => done(count > 0 ? 'complete' : 'no-answer'), timeoutMs)
    try {
      node.requestHistory(id, env)
    } catch (err) {
      clearTimeout(timer)
      node.off('p2pMessage', onMessage)
      reject(err)
    }
  })
}
