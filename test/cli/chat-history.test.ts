// The chat's history lines (src/cli/chat-history.ts) against a real, unstarted node: each line names
// its mail server once.
import { describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { fetchChatHistory } from '../../src/cli/chat-history.js'

const ID = '1f465ada3edb807037f73cd53a9391aa9ccd2342d257288fe8566825582a395175b58576899ba3628a1e6cdf599ac3087ea4910d2693a72fa7e916b86cd0600d'

describe('chat history status lines', () => {
  it('a mail server that never connects is named once', async () => {
    const node = new WhisperNode({ bootnodes: [], discovery: false })
    const lines = await fetchChatHistory(node, { mailservers: [`enode://${ID}@127.0.0.1:1`], password: 'pw', seconds: 60 },
      { topic: new Uint8Array(4), pow: 0.01, work: 1 }, 1000)
    expect(lines).toEqual(['history: mail server 1f465ada3edb8070 did not connect within 1 s'])
  })
})
