import { describe, expect, it } from 'vitest'
import { RpcServer } from '../../src/rpc/jsonrpc.js'
import { T } from '../../src/rpc/gotypes.js'

function testServer(opts: ConstructorParameters<typeof RpcServer>[0] = {}): RpcServer {
  const s = new RpcServer(opts)
  s.register('test', 'echo', { params: [T.string], call: ([x]) => x })
  s.register('test', 'add', { params: [T.uint32, T.uint32], call: ([a, b]) => (a as number) + (b as number) })
  s.register('test', 'none', { params: [], call: () => undefined })
  s.register('test', 'fail', { params: [], call: () => { throw new Error('it failed') } })
  s.register('test', 'bug', { params: [], call: () => { throw new TypeError('x is undefined') } })
  s.register('test', 'big', { params: [T.uint32], call: ([n]) => 'x'.repeat(n as number) })
  s.register('test', 'slow', { params: [], call: () => new Promise((r) => setImmediate(() => r('late'))) })
  return s
}

const http = (s: RpcServer, body: string): Promise<string> => s.handleHttp(body)

describe('jsonrpc: requests and errors as geth v1.9.7', () => {
  const s = testServer()

  it('answers calls, echoing the id byte for byte', async () => {
    expect(await http(s, '{"jsonrpc":"2.0","id":1,"method":"test_echo","params":["hi"]}')).toBe('{"jsonrpc":"2.0","id":1,"result":"hi"}')
    expect(await http(s, '{"jsonrpc":"2.0","id":"a<b","method":"test_add","params":[2,3]}')).toBe('{"jsonrpc":"2.0","id":"a\\u003cb","result":5}')
    expect(await http(s, '{"id":1.50,"method":"test_none"}')).toBe('{"jsonrpc":"2.0","id":1.50,"result":null}')
    expect(await http(s, '{"id":123456789012345678901234567890,"method":"test_none"}')).toBe(
      '{"jsonrpc":"2.0","id":123456789012345678901234567890,"result":null}',
    )
    // "id": null is a call in geth, not a notification
    expect(await http(s, '{"id":null,"method":"test_none"}')).toBe('{"jsonrpc":"2.0","id":null,"result":null}')
    // member names match case-insensitively, as Go's json does
    expect(await http(s, '{"ID":7,"Method":"test_echo","PARAMS":["x"]}')).toBe('{"jsonrpc":"2.0","id":7,"result":"x"}')
  })

  it('parse errors, invalid requests, unknown methods', async () => {
    expect(await http(s, '{"id":1,"method":')).toBe('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}')
    expect(await http(s, 'nonsense')).toBe('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}')
    expect(await http(s, '')).toBe('')
    expect(await http(s, '{"id":1}')).toBe('{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"invalid request"}}')
    expect(await http(s, '"just a string"')).toBe('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}}')
    expect(await http(s, '{"id":{"a":1},"method":"test_none"}')).toBe('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}}')
    expect(await http(s, '{"id":1,"method":5}')).toBe('{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"invalid request"}}')
    expect(await http(s, '{"jsonrpc":"2.0","id":2,"method":"foo_bar"}')).toBe(
      '{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"the method foo_bar does not exist/is not available"}}',
    )
    expect(await http(s, '{"id":2,"method":"nounderscore"}')).toBe(
      '{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"the method nounderscore does not exist/is not available"}}',
    )
    // trailing bytes after the first value are ignored, as json.Decoder does
    expect(await http(s, '{"id":3,"method":"test_none"} garbage')).toBe('{"jsonrpc":"2.0","id":3,"result":null}')
  })

  it('parameter errors carry geth wording and code -32602', async () => {
    const err = async (params: string): Promise<string> => JSON.parse(await http(s, `{"id":1,"method":"test_add","params":${params}}`)).error
    expect(await err('[1]')).toEqual({ code: -32602, message: 'missing value for required argument 1' })
    expect(await err('[]')).toEqual({ code: -32602, message: 'missing value for required argument 0' })
    expect(await err('null')).toEqual({ code: -32602, message: 'missing value for required argument 0' })
    expect(await err('[1,2,3]')).toEqual({ code: -32602, message: 'too many arguments, want at most 2' })
    expect(await err('{"a":1}')).toEqual({ code: -32602, message: 'non-array args' })
    expect(await err('"x"')).toEqual({ code: -32602, message: 'non-array args' })
    expect(await err('[1,"2"]')).toEqual({ code: -32602, message: 'invalid argument 1: json: cannot unmarshal string into Go value of type uint32' })
    expect(JSON.parse(await http(s, '{"id":1,"method":"test_none","params":[1]}')).error).toEqual({
      code: -32602,
      message: 'too many arguments, want at most 0',
    })
  })

  it('method errors: -32000 with the message; a crash is "method handler crashed"', async () => {
    expect(await http(s, '{"id":1,"method":"test_fail"}')).toBe('{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"it failed"}}')
    expect(await http(s, '{"id":1,"method":"test_bug"}')).toBe('{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"method handler crashed"}}')
  })

  it('notifications and responses get no answer', async () => {
    expect(await http(s, '{"jsonrpc":"2.0","method":"test_none"}')).toBe('')
    expect(await http(s, '{"jsonrpc":"2.0","id":5,"result":1}')).toBe('')
    expect(await http(s, '{"jsonrpc":"2.0","method":"shh_subscription","params":{}}')).toBe('')
  })

  it('batches: answers in order, skip notifications, empty batch, invalid members', async () => {
    const out = await http(s, '[{"id":1,"method":"test_echo","params":["a"]},{"method":"test_none"},5,{"id":2,"method":"test_slow"},{"id":3,"method":"nope_x"}]')
    expect(JSON.parse(out)).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'a' },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
      { jsonrpc: '2.0', id: 2, result: 'late' },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'the method nope_x does not exist/is not available' } },
    ])
    expect(await http(s, '[]')).toBe('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}')
    expect(await http(s, '[{"method":"test_none"}]')).toBe('')
  })

  it('limits batch size and batch response size', async () => {
    const small = testServer({ batchLimit: 3, batchResponseMaxSize: 100 })
    const four = JSON.stringify([{ method: 'test_none' }, { id: 9, method: 'test_none' }, { id: 10, method: 'test_none' }, { id: 11, method: 'test_none' }])
    expect(await http(small, four)).toBe('[{"jsonrpc":"2.0","id":9,"error":{"code":-32600,"message":"batch too large"}}]')
    const out = JSON.parse(
      await http(small, JSON.stringify([{ id: 1, method: 'test_big', params: [10] }, { id: 2, method: 'test_big', params: [200] }, { id: 3, method: 'test_none' }])),
    )
    expect(out).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'xxxxxxxxxx' },
      { jsonrpc: '2.0', id: 2, error: { code: -32003, message: 'response too large' } },
      { jsonrpc: '2.0', id: 3, error: { code: -32003, message: 'response too large' } },
    ])
  })

  it('rpc_modules lists the namespaces', async () => {
    expect(JSON.parse(await http(s, '{"id":1,"method":"rpc_modules"}')).result).toEqual({ rpc: '1.0', test: '1.0' })
  })
})

describe('jsonrpc: subscriptions', () => {
  function subServer(): { s: RpcServer; emitters: Map<string, (v: unknown) => void>; ended: string[] } {
    const s = testServer()
    const emitters = new Map<string, (v: unknown) => void>()
    const ended: string[] = []
    s.registerSubscription('test', 'ticks', {
      params: [T.string],
      subscribe: ([name], notify) => {
        if (name === 'bad') throw new Error('bad name')
        notify(`first ${name}`) // before the answer: must be buffered
        emitters.set(name as string, notify)
        return () => ended.push(name as string)
      },
    })
    return { s, emitters, ended }
  }

  it('over HTTP: notifications not supported; unsubscribe finds nothing', async () => {
    const { s } = subServer()
    expect(await http(s, '{"id":1,"method":"test_subscribe","params":["ticks","a"]}')).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"notifications not supported"}}',
    )
    expect(await http(s, '{"id":1,"method":"test_unsubscribe","params":["0x1"]}')).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"subscription not found"}}',
    )
    expect(JSON.parse(await http(s, '{"id":1,"method":"test_unsubscribe","params":[1]}')).error.message).toBe(
      'invalid argument 0: json: cannot unmarshal number into Go value of type rpc.ID',
    )
  })

  it('over a connection: answer first, then notifications; unsubscribe and close end it', async () => {
    const { s, emitters, ended } = subServer()
    const sent: string[] = []
    const session = s.session({ transport: 'ws', send: (t) => sent.push(t) })
    await session.handle('{"jsonrpc":"2.0","id":1,"method":"test_subscribe","params":["ticks","a"]}', (t) => sent.push(t))
    const answer = JSON.parse(sent[0])
    expect(answer.id).toBe(1)
    expect(answer.result).toMatch(/^0x[0-9a-f]{1,32}$/)
    const subId = answer.result as string
    expect(JSON.parse(sent[1])).toEqual({ jsonrpc: '2.0', method: 'test_subscription', params: { subscription: subId, result: 'first a' } })
    emitters.get('a')!({ n: 2 })
    expect(JSON.parse(sent[2]).params).toEqual({ subscription: subId, result: { n: 2 } })

    const errs: string[] = []
    const h = (text: string): Promise<void> => session.handle(text, (t) => errs.push(t))
    await h('{"id":2,"method":"test_subscribe","params":["nosuch"]}')
    await h('{"id":3,"method":"test_subscribe","params":{}}')
    await h('{"id":4,"method":"test_subscribe","params":[5]}')
    await h('{"id":5,"method":"test_subscribe","params":["ticks","bad"]}')
    await h('{"id":6,"method":"test_subscribe","params":["ticks"]}')
    expect(errs.map((e) => JSON.parse(e).error)).toEqual([
      { code: -32601, message: 'no "nosuch" subscription in test namespace' },
      { code: -32602, message: 'non-array args' },
      { code: -32602, message: 'expected subscription name as first argument' },
      { code: -32000, message: 'bad name' },
      { code: -32602, message: 'missing value for required argument 1' },
    ])

    await session.handle(`{"id":7,"method":"test_unsubscribe","params":["${subId}"]}`, (t) => sent.push(t))
    expect(JSON.parse(sent[3])).toEqual({ jsonrpc: '2.0', id: 7, result: true })
    expect(ended).toEqual(['a'])
    emitters.get('a')!('after') // ignored once unsubscribed
    expect(sent.length).toBe(4)

    await session.handle('{"id":8,"method":"test_subscribe","params":["ticks","b"]}', (t) => sent.push(t))
    expect(session.subscriptionCount).toBe(1)
    session.close()
    expect(ended).toEqual(['a', 'b'])
    expect(session.subscriptionCount).toBe(0)
  })

  it('parse errors on a connection carry Go scanner text', async () => {
    const { s } = subServer()
    const out: string[] = []
    const session = s.session({ transport: 'ws', send: () => {} })
    await session.handle('{"id":1,,}', (t) => out.push(t))
    await session.handle('{"id":1', (t) => out.push(t))
    expect(out.map((o) => JSON.parse(o))).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: `invalid character ',' looking for beginning of object key string` } },
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'unexpected EOF' } },
    ])
    session.close()
  })
})

describe('jsonrpc: diagnostics through the shared log sink', () => {
  it('method names and errors at geth levels (4 debug, 1 error), never parameters or results', async () => {
    const lines: string[] = []
    const s = testServer({ log: (level, msg) => lines.push(`${level} ${msg}`) })
    await http(s, '{"id":1,"method":"test_echo","params":["secret-param"]}')
    await http(s, '{"id":2,"method":"test_fail"}')
    await http(s, '{"id":3,"method":"test_bug"}')
    expect(lines[0]).toBe('4 rpc: served test_echo')
    expect(lines[1]).toBe('4 rpc: test_fail failed: it failed')
    expect(lines[2]).toMatch(/^1 rpc: method test_bug crashed: TypeError: x is undefined/)
    expect(lines.join('\n')).not.toContain('secret-param')
  })
})
