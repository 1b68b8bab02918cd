import { describe, expect, it } from 'vitest'
import { BridgeError } from '../../src/bridge/errors.js'
import { parseClientMessage, salvageId } from '../../src/bridge/protocol.js'

function code(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    if (e instanceof BridgeError) return e.code
    throw e
  }
  return 'none'
}

describe('WebSocket protocol parser', () => {
  it('parses every request type and keeps the id', () => {
    expect(parseClientMessage('{"type":"join","id":1,"topic":"44c7429f","password":"x","history":5}')).toEqual({
      type: 'join', id: 1, topic: '44c7429f', password: 'x', history: 5,
    })
    expect(parseClientMessage('{"type":"leave","room":"r"}')).toEqual({ type: 'leave', room: 'r' })
    expect(parseClientMessage('{"type":"send","id":"a","room":"r","text":"hi"}')).toEqual({ type: 'send', id: 'a', room: 'r', text: 'hi' })
    expect(parseClientMessage('{"type":"peers"}')).toEqual({ type: 'peers' })
    expect(parseClientMessage('{"type":"ping","id":7}')).toEqual({ type: 'ping', id: 7 })
  })

  it('rejects malformed frames with bad-request', () => {
    for (const bad of ['', 'nope', '[]', 'null', '"join"', '{"type":"dance"}', '{}', '{"type":"leave"}', '{"type":"leave","room":5}',
      '{"type":"send","text":"x"}', '{"type":"ping","id":{"a":1}}', `{"type":"ping","id":"${'x'.repeat(65)}"}`,
      '{"type":"join","topic":"44c7429f","password":"x","history":-1}', '{"type":"join","history":1.5}']) {
      expect(code(() => parseClientMessage(bad)), bad).toBe('bad-request')
    }
  })

  it('salvages the id of a bad frame when it can', () => {
    expect(salvageId('{"id":3,"type":"dance"}')).toBe(3)
    expect(salvageId('{"id":[1]}')).toBeUndefined()
    expect(salvageId('not json')).toBeUndefined()
  })
})
