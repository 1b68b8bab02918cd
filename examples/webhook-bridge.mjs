// A bridge from a room to a webhook: every message said in the room is POSTed as JSON to a URL
// (a chat-ops channel, a logger, a serverless function). Delivery to the webhook is retried a few
// times, then the message is reported and dropped.
//
//   node examples/webhook-bridge.mjs enode://<id>@127.0.0.1:30303 http://127.0.0.1:9000/hook [topic] [password]
import { WhisperNode, parseTopic, symKeyFromPassword, toHex } from 'p2pmessage'

const [enode, webhook, topicHex = '44c7429f', password = 'dont-tell-anyone'] = process.argv.slice(2)
if (!enode || !webhook) {
  console.error('usage: node examples/webhook-bridge.mjs <enode> <webhook url> [topic] [password]')
  process.exit(2)
}

async function deliver(body, attempts = 3) {
  for (let i = 1; ; i++) {
    try {
      const res = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      if (res.ok) return
      throw new Error(`HTTP ${res.status}`)
    } catch (err) {
      if (i === attempts) return console.error(`webhook: gave up on ${body.hash}: ${err.message}`)
      await new Promise((r) => setTimeout(r, 500 * i))
    }
  }
}

const node = new WhisperNode({ staticPeers: [enode], minPow: 0.01, verbosity: 1 })
await node.start()
node.subscribe({ topics: [parseTopic(topicHex)], symKey: symKeyFromPassword(password) }, (m) => {
  void deliver({
    room: topicHex,
    text: new TextDecoder().decode(m.payload),
    from: m.address ? toHex(m.address) : null,
    sent: m.sent,
    hash: toHex(m.hash),
  })
})
await node.waitForPeer(30_000)
console.log(`forwarding room ${topicHex} to ${webhook}`)

process.once('SIGINT', () => node.stop())
process.once('SIGTERM', () => node.stop())
