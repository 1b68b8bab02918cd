// JSON-RPC error objects with go-ethereum's codes and wording (rpc/errors.go at v1.9.7, plus the batch
// limits of later geth versions). Any other Error a method throws is answered with code -32000 and
// its message, as geth does for plain Go errors.

export const CODE_DEFAULT = -32000
export const CODE_RESPONSE_TOO_LARGE = -32003
const CODE_PARSE = -32700
export const CODE_INVALID_REQUEST = -32600
const CODE_METHOD_NOT_FOUND = -32601
const CODE_INVALID_PARAMS = -32602

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
    this.name = 'RpcError'
  }
}

/** Go's %q for the ASCII names that reach it (method and subscription names from the request). */
function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0) as number
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + '"'
}

export const methodNotFound = (method: string): RpcError =>
  new RpcError(CODE_METHOD_NOT_FOUND, `the method ${method} does not exist/is not available`)

export const subscriptionNotFound = (namespace: string, name: string): RpcError =>
  new RpcError(CODE_METHOD_NOT_FOUND, `no ${goQuote(name)} subscription in ${namespace} namespace`)

export const parseError = (message: string): RpcError => new RpcError(CODE_PARSE, message)
export const invalidParams = (message: string): RpcError => new RpcError(CODE_INVALID_PARAMS, message)

export const ERR_NOTIFICATIONS_UNSUPPORTED = 'notifications not supported'
export const ERR_SUBSCRIPTION_NOT_FOUND = 'subscription not found'
export const ERR_BATCH_TOO_LARGE = 'batch too large'
export const ERR_RESPONSE_TOO_LARGE = 'response too large'
