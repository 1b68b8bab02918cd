// Sealing and opening envelopes offline, with the pure protocol functions (no node, no sockets; the
// same code runs in a browser bundle): a room message (symmetric key from a password), a private
// message to a public key, both signed, written as the wire bytes a node would send and read back.
//
//   node examples/seal-offline.mjs
import {
  decodeEnvelope, encodeEnvelope, envelopeHash, generatePrivateKey, openEnvelope, publicKeyOf, sealMessage,
  symKeyFromPassword, toHex, topicFromPassword, utf8, WhisperError,
} from 'p2pmessage/whisper'

const alice = generatePrivateKey()
const bob = generatePrivateKey()
const topic = topicFromPassword('lobby')
const symKey = symKeyFromPassword('lobby')
const text = (bytes) => new TextDecoder().decode(bytes)

// a room message on shh/6: anyone with the room password opens it
const room = sealMessage({ shh: 6, topic, payload: utf8('hello, room'), symKey, src: alice, ttl: 60, pow: 0.5, workTime: 2 })
const wire = encodeEnvelope(room)
console.log(`room envelope: ${wire.length} bytes, hash ${toHex(envelopeHash(room))}`)
const opened = openEnvelope(decodeEnvelope(6, wire), { symKey })
console.log(`opened: "${text(opened.payload)}", signed by ${toHex(opened.address)}, pow ${opened.pow.toFixed(3)}`)

// a private message on shh/5, encrypted to Bob's public key
const direct = sealMessage({ shh: 5, topic, payload: utf8('hello, Bob'), dst: publicKeyOf(bob), src: alice, ttl: 60, pow: 0.2, workTime: 2 })
const forBob = openEnvelope(decodeEnvelope(5, encodeEnvelope(direct)), { privateKey: bob })
console.log(`bob reads: "${text(forBob.payload)}" from ${toHex(forBob.address)}`)

// the wrong key is a WhisperError with a code, never a crash
try {
  openEnvelope(direct, { privateKey: alice })
} catch (err) {
  if (!(err instanceof WhisperError)) throw err
  console.log(`alice cannot open it: ${err.code}`)
}
