// The node's figures as Prometheus metrics: one place that reads what the node, its host and a mail
// server already count (stats(), detailedStats(), the archive's stats) and sets the metrics from it at
// each scrape. Names follow geth's (p2p_*) and status-go's (whisper_envelopes_*, mailserver_*) where
// they have one; ours are p2pmessage_*. prom-client is passed in, so nothing loads it unless metrics
// are asked for; its default metrics give process memory, CPU and the event-loop lag.
import type { Net } from '../node/node-types.js'
import type * as Prom from 'prom-client'
import type { WhisperNode } from '../node/whisper-node.js'
import type { MailServer } from '../node/mailserver.js'

export interface MetricsSources {
  node: WhisperNode
  /** a mail server running on the node */
  mail?: MailServer | null
}

type Labels = Record<string, string | number>

/** A registry with every metric of the node; `refresh()` reads the node's figures into it (before each scrape). */
export function nodeMetrics(prom: typeof Prom, src: MetricsSources): { registry: Prom.Registry; refresh: () => void } {
  const registry = new prom.Registry()
  prom.collectDefaultMetrics({ register: registry })
  const gauge = (name: string, help: string, labelNames: string[] = []) => new prom.Gauge({ name, help, labelNames, registers: [registry] })
  // Counters whose value the node keeps: each scrape sets them to it (never smaller than the last one).
  const counter = (name: string, help: string, labelNames: string[] = []) => {
    const c = new prom.Counter({ name, help, labelNames, registers: [registry] })
    return (rows: [Labels, number][]) => {
      c.reset()
      for (const [labels, v] of rows) c.inc(labels, v)
    }
  }

  const peersCount = gauge('p2p_peers_count', 'Connected peers (the shh handshake done).')
  const peers = gauge('p2p_peers', 'Connected peers by protocol and direction.', ['protocol', 'direction'])
  const ingress = counter('p2p_ingress_bytes_total', 'Bytes read on RLPx connections (framing included).')
  const egress = counter('p2p_egress_bytes_total', 'Bytes written on RLPx connections (framing included).')
  const packetsIn = counter('p2p_ingress_packets_total', 'Sub-protocol packets read from peers.')
  const packetsOut = counter('p2p_egress_packets_total', 'Sub-protocol packets written to peers.')
  const received = counter('whisper_envelopes_received_total', 'Envelopes read from peers, before any check.', ['protocol'])
  const added = counter('whisper_envelopes_added_total', 'New envelopes pooled from peers.', ['protocol'])
  const known = counter('whisper_envelopes_known_total', 'Envelopes received that were pooled already.', ['protocol'])
  const forwarded = counter('whisper_envelopes_forwarded_total', 'Envelopes handed to peers.', ['protocol'])
  const expired = counter('whisper_envelopes_expired_total', 'Pooled envelopes removed at their expiry.', ['protocol'])
  const rejected = counter('whisper_envelopes_rejected_total', 'Envelopes that made us drop their peer, by reason.', ['protocol', 'reason'])
  const dropped = counter('whisper_envelopes_dropped_total', 'Envelopes ignored quietly, by reason.', ['protocol', 'reason'])
  const poolSize = gauge('whisper_pool_envelopes', 'Envelopes pooled.', ['protocol'])
  const poolBytes = gauge('whisper_pool_bytes', 'Bytes of the envelopes pooled.', ['protocol'])
  const peersDropped = counter('whisper_peers_dropped_total', 'Peers dropped for a bad envelope.')
  const pauses = counter('p2pmessage_peer_pauses_total', 'Times a peer was paused for using more than its share of CPU.')
  const floods = counter('p2pmessage_flood_drops_total', 'Peers dropped for flooding useless envelopes.')
  const rateDrops = counter('p2pmessage_rate_limit_drops_total', 'Peers dropped for going over our rate limits, by network.', ['protocol'])
  const undelivered = counter('p2pmessage_undelivered_posts_total', 'Own posts that expired before reaching any peer, by reason.', ['reason'])
  const gateway = counter('p2pmessage_gateway_crossings_total', 'Gateway crossings between shh/5 and shh/6, by outcome.', ['outcome'])
  const sealing = gauge('p2pmessage_sealing_queue', 'Seals (posts, gateway crossings) queued or running.')
  const mail = src.mail
  const mailRequests = mail ? counter('mailserver_requests_total', 'Mail requests received, by outcome.', ['outcome']) : null
  const mailSent = mail ? counter('mailserver_envelopes_sent_total', 'Archived envelopes sent to requesting peers.') : null
  const mailSentBytes = mail ? counter('mailserver_envelopes_sent_bytes_total', 'Bytes of archived envelopes sent to requesting peers.') : null
  const archived = mail ? gauge('mailserver_archived_envelopes', 'Envelopes in the archive.') : null
  const archiveBytes = mail ? gauge('mailserver_archive_bytes', 'Bytes of the envelopes in the archive.') : null

  const refresh = (): void => {
    const { node } = src
    const s = node.stats()
    const d = node.detailedStats()
    peersCount.set(s.peers)
    peers.reset()
    for (const p of node.peers()) peers.inc({ protocol: p.net, direction: p.inbound ? 'inbound' : 'outbound' })
    const t = d.traffic
    ingress([[{}, t?.ingressBytes ?? 0]])
    egress([[{}, t?.egressBytes ?? 0]])
    packetsIn([[{}, t?.packetsIn ?? 0]])
    packetsOut([[{}, t?.packetsOut ?? 0]])
    // one label value per network: shh/5, shh/6, waku
    const versions = [...d.pools.keys()]
    const per = (f: (v: Net) => number): [Labels, number][] => versions.map((v) => [{ protocol: v }, f(v)])
    const ev = (v: Net) => d.envelopes.get(v)
    received(per((v) => ev(v)?.received ?? 0))
    added(per((v) => ev(v)?.added ?? 0))
    known(per((v) => ev(v)?.known ?? 0))
    forwarded(per((v) => ev(v)?.forwarded ?? 0))
    expired(per((v) => ev(v)?.expired ?? 0))
    const byReason = (pick: (v: Net) => Partial<Record<string, number>> | undefined): [Labels, number][] =>
      versions.flatMap((v) => Object.entries(pick(v) ?? {}).map(([reason, n]): [Labels, number] => [{ protocol: v, reason }, n ?? 0]))
    rejected(byReason((v) => ev(v)?.rejected))
    dropped(byReason((v) => ev(v)?.dropped))
    for (const [v, p] of d.pools) {
      poolSize.set({ protocol: v }, p.envelopes)
      poolBytes.set({ protocol: v }, p.bytes)
    }
    peersDropped([[{}, s.peersDropped]])
    pauses([[{}, s.peerPauses]])
    floods([[{}, s.floodDrops]])
    rateDrops([...d.rateLimitDrops].map(([net, n]): [Labels, number] => [{ protocol: net }, n]))
    undelivered([[{ reason: 'no-peer' }, s.undeliveredNoPeer], [{ reason: 'pow' }, s.undeliveredPow], [{ reason: 'bloom' }, s.undeliveredBloom]])
    gateway([[{ outcome: 'crossed' }, s.gatewayCrossed], [{ outcome: 'shed' }, s.gatewayShed], [{ outcome: 'failed' }, s.gatewayFailed], [{ outcome: 'skipped' }, s.gatewaySkipped]])
    sealing.set(d.sealing)
    if (mail) {
      const m = mail.stats()
      const a = mail.archive.stats()
      mailRequests!([[{ outcome: 'answered' }, m.answered], [{ outcome: 'refused' }, m.refused], [{ outcome: 'rate-limited' }, m.rateLimited]])
      mailSent!([[{}, m.delivered]])
      mailSentBytes!([[{}, m.deliveredBytes]])
      archived!.set(a.envelopes)
      archiveBytes!.set(a.bytes)
    }
  }
  return { registry, refresh }
}
