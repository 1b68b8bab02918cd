// A bot that answers in a room: it joins the room (topic + password, as `p2pmessage chat` does),
// and answers every message that starts with "!" until stopped with Ctrl-C.
//
//   node examples/bot.mjs enode://<id>@127.0.0.1:30303 [topic] [password]
//
// `p2pmessage relay --listen 127.0.0.1:30303` gives you a relay to try it on; then
// `p2pmessage chat --enode <the relay's enode>` and type `!ping` or `!time`.
import { WhisperNode, parseTopic, symKeyFromPassword, toHex, utf8 } from 'p2pmessage'

const [enode, topicHex = '44c7429f', password = 'dont-tell-anyone'] = process.argv.slice(2)
if (!enode) {
  console.error('usage: node examples/bot.mjs <enode> [topic] [password]')
  process.exit(2)
}

const node = new WhisperNode({ staticPeers: [enode], minPow: 0.01, verbosity: 1 })
const topic = parseTopic(topicHex)
const symKey = symKeyFromPassword(password)

const answers = {
  ping: () => 'pong',
  time: () => new Date().toISOString(),
  help: () => 'commands: !ping !time !help',
}

await node.start()
node.subscribe({ topics: [topic], symKey }, (message) => {
  if (message.mine) return
  const text = new TextDecoder().decode(message.payload).trim()
  if (!text.startsWith('!')) return
  const answer = answers[text.slice(1)]?.() ?? `unknown command ${text}; try !help`
  const from = message.address ? toHex(message.address) : 'anonymous'
  console.log(`${from}: ${text} -> ${answer}`)
  // signed with the node's key, so the room sees who answers; PoW as low as this relay accepts
  node.post({ topic, symKey, payload: utf8(answer), src: node.privateKey, ttl: 50, pow: 0.01, workTime: 2 })
    .catch((err) => console.error(`cannot answer: ${err.message}`))
})
await node.waitForPeer(30_000)
console.log(`bot ready in room ${topicHex}`)

process.once('SIGINT', () => node.stop())
process.once('SIGTERM', () => node.stop())
