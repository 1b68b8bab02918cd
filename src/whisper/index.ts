/**
 * The Whisper protocol as pure functions: sealing and opening messages, envelope codecs for shh/5 and
 * shh/6, topics, blooms, proof of work and the test-vector checker. No sockets, no timers, no Node
 * built-ins imported: this entry point bundles for the browser (AES-GCM uses `node:crypto` when the
 * runtime has it, looked up at run time, else pure JS).
 *
 * @example
 * ```ts
 * import { sealMessage, openEnvelope, symKeyFromPassword, topicFromPassword, utf8 } from 'p2pmessage/whisper'
 * const symKey = symKeyFromPassword('secret')
 * const env = sealMessage({ shh: 6, topic: topicFromPassword('room'), payload: utf8('hi'), symKey, ttl: 60, pow: 0.2, workTime: 2 })
 * const msg = openEnvelope(env, { symKey })
 * ```
 * @module p2pmessage/whisper
 */
export { WhisperError, isWhisperError, type WhisperErrorCode } from './errors.js'
export {
  type ShhVersion,
  type Envelope,
  encodeEnvelope,
  decodeEnvelope,
  envelopeHash,
  envelopeSent,
  envelopeSize,
  envelopePow,
  envelopeBloom,
} from './envelope.js'
export { type SealParams, buildEnvelope, sealEnvelope, sealMessage } from './seal.js'
export { type OpenKey, type ReceivedMessage, openEnvelope } from './open.js'
export { TOPIC_LENGTH, parseTopic, topicHex, topicFromPassword } from './topic.js'
export { BLOOM_SIZE, topicBloom, topicsBloom, bloomMatch } from './bloom.js'
export { symKeyFromPassword, generatePrivateKey, publicKeyOf, addressOf } from './crypto.js'
export { keccak256 } from './keccak.js'
export { toHex, fromHex, utf8 } from './bytes.js'
export { type VectorResult, type VectorReport, checkVectorFile } from './vectors.js'
