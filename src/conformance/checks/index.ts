// Every check, in report order.
import type { Check } from '../types.js'
import { envelopeChecks } from './envelope.js'
import { forwardChecks } from './forward.js'
import { limitChecks } from './limits.js'
import { mailChecks } from './mail.js'
import { p2pChecks } from './p2p.js'
import { packetChecks } from './packets.js'
import { rlpxChecks } from './rlpx.js'
import { rpcChecks } from './rpc.js'
import { statusChecks } from './status.js'
import { wakuChecks } from './waku.js'
import { wakuMailChecks } from './waku-mail.js'

export const ALL_CHECKS: Check[] = [...rlpxChecks, ...statusChecks, ...envelopeChecks, ...forwardChecks, ...packetChecks, ...p2pChecks, ...mailChecks, ...limitChecks, ...rpcChecks, ...wakuChecks, ...wakuMailChecks]
