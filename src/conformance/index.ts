/**
 * The Whisper conformance suite behind `p2pmessage probe`, from code: {@link runSuite} dials a node
 * (any implementation: geth, wnode, status-go, this package) over RLPx, runs the checks of EIP-627 and
 * geth's behaviour for shh/5 and shh/6, and resolves one {@link SuiteReport}; {@link formatText},
 * {@link formatJson} and {@link formatJunit} render it as the command does.
 *
 * @example
 * ```ts
 * import { runSuite, formatText } from 'p2pmessage/conformance'
 * const report = await runSuite({ enode: 'enode://…@127.0.0.1:30303', shh: 'both', timeoutMs: 5000, pow: 0.2, quick: true })
 * console.log(formatText(report))
 * process.exitCode = report.ok ? 0 : 1
 * ```
 * @module p2pmessage/conformance
 */
export { runSuite, type RunOptions } from './runner.js'
export { formatText, formatJson, formatJunit } from './report.js'
export { GROUPS, type Group, type CheckResult, type SuiteReport } from './types.js'
export { RpcTransportError } from './rpc-client.js'
export { ProbeConnectError } from '../p2p/dial-socket.js'
export { EnodeError } from '../p2p/enode.js'
