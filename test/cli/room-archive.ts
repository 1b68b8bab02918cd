// A mail server's archive filled through its own API before the server starts on it: `count` lines of the
// room (topic ffff0000, password roompw) sent `perSecond` a second and long expired, so only the archive
// holds them. The history e2e tests (shh/6 and Waku) ask for them back in pages.
import { Archive } from '../../src/node/archive.js'
import { envelopeHash } from '../../src/whisper/envelope.js'
import { buildEnvelope, sealEnvelope } from '../../src/whisper/seal.js'
import { symKeyFromPassword } from '../../src/whisper/crypto.js'

export async function seedRoomArchive(datadir: string, count: number, perSecond: number): Promise<void> {
  const archive = await Archive.open({ dir: datadir })
  const symKey = symKeyFromPassword('roompw')
  const topic = Uint8Array.of(0xff, 0xff, 0, 0)
  const t0 = Math.floor(Date.now() / 1000) - count / perSecond - 600
  for (let i = 0; i < count; i++) {
    const env = sealEnvelope(buildEnvelope({ shh: 6, topic, payload: new TextEncoder().encode(`line ${i}`), ttl: 50, pow: 0, workTime: 1, symKey, now: t0 + Math.floor(i / perSecond) }), 0.01, 5)
    archive.add(env, envelopeHash(env))
  }
  await archive.close()
}
