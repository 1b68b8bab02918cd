// What tells the shh and waku JSON-RPC namespaces apart. Both are the same API (geth whisperv6/api.go,
// which status-go v0.78.0 copied into waku/api.go), served by one ShhApi class over a backend bound to
// one network; the flavour holds the few places where the copies drifted apart:
//  - bytes inside the request and message structs: geth's gencodec overrides make them hexutil.Bytes
//    ("0x.."), status-go dropped the generated files, so plain []byte fields go through encoding/json as
//    base64 (gobase64.ts). Method arguments and results typed hexutil.Bytes stay hex in both, and topics
//    are hex in both (TopicType marshals itself).
//  - the method table: waku has no `version`, and keeps `uninstallFilter` (an exported method with no
//    result, so go-ethereum's rpc package serves it); `info` has no `memory`.
//  - a few messages worded differently (DeleteMessageFilter of an unknown id).
import type { GoType } from './gotypes.js'
import { T } from './gotypes.js'
import { encodeGoBase64 } from './gobase64.js'
import { encodeBytes } from './hexutil.js'

export interface ApiFlavour {
  /** the JSON-RPC namespace, `<namespace>_post` */
  readonly namespace: 'shh' | 'waku'
  /** `<namespace>_version`'s answer; absent: no such method */
  readonly version?: string
  /** `info` reports `memory` (the pool's bytes) */
  readonly infoMemory: boolean
  /** `<namespace>_uninstallFilter` exists */
  readonly uninstallFilter: boolean
  /** the byte fields of a received message (sig, payload, padding, hash, recipientPublicKey) */
  encodeMessageBytes(b: Uint8Array): string
  /** a received message from a trusted peer's direct packet says so as `"bool": true` (status-go's tag typo) */
  readonly p2pField: boolean
  readonly newMessage: GoType
  readonly criteria: GoType
  /** DeleteMessageFilter's error for an id that is no filter */
  unknownFilter(id: string): string
}

function newMessage(pkg: string, bytes: GoType, topic: GoType): GoType {
  return {
    kind: 'struct',
    name: `${pkg}.NewMessage`,
    structName: 'NewMessage',
    fields: {
      symKeyID: T.string,
      pubKey: bytes,
      sig: T.string,
      ttl: T.uint32,
      topic,
      payload: bytes,
      padding: bytes,
      powTime: T.uint32,
      powTarget: T.float64,
      targetPeer: T.string,
    },
  }
}

function criteria(pkg: string, bytes: GoType, topic: GoType): GoType {
  return {
    kind: 'struct',
    name: `${pkg}.Criteria`,
    structName: 'Criteria',
    fields: {
      symKeyID: T.string,
      privateKeyID: T.string,
      sig: bytes,
      minPow: T.float64,
      topics: { kind: 'slice', elem: topic },
      allowP2P: T.bool,
    },
  }
}

const WAKU_TOPIC: GoType = { kind: 'fixed', name: 'common.TopicType', textName: 'Topic', size: 4 }

/** go-ethereum v1.9.7 whisperv6 (gen_newmessage_json.go, gen_criteria_json.go, gen_message_json.go). */
export const SHH_FLAVOUR: ApiFlavour = {
  namespace: 'shh',
  version: '6.0',
  infoMemory: true,
  uninstallFilter: false,
  encodeMessageBytes: encodeBytes,
  p2pField: false,
  newMessage: newMessage('whisperv6', T.bytes, T.topic),
  criteria: criteria('whisperv6', T.bytes, T.topic),
  unknownFilter: () => 'Unsubscribe: Invalid ID',
}

/** status-go v0.78.0 waku/api.go (NewMessage, Criteria and Message have no generated JSON code). */
export const WAKU_FLAVOUR: ApiFlavour = {
  namespace: 'waku',
  infoMemory: false,
  uninstallFilter: true,
  encodeMessageBytes: encodeGoBase64,
  p2pField: true,
  newMessage: newMessage('waku', T.byteSlice, WAKU_TOPIC),
  criteria: criteria('waku', T.byteSlice, WAKU_TOPIC),
  unknownFilter: (id) => `failed to unsubscribe: invalid ID '${id}'`,
}
