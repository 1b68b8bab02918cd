// Running the Whisper conformance suite from code: the checks `p2pmessage probe` runs, against any
// node (geth with --shh, wnode, status-go, a p2pmessage relay), with the report as data. Here the quick
// subset, printed as text and summed up per group; the exit code says whether the node conforms.
//
//   node examples/conformance.mjs enode://<id>@127.0.0.1:30303
import { formatText, runSuite } from 'p2pmessage/conformance'

const enode = process.argv[2]
if (!enode) {
  console.error('usage: node examples/conformance.mjs <enode>')
  process.exit(2)
}

try {
  const report = await runSuite({ enode, shh: 'both', quick: true, timeoutMs: 5000, pow: 0.2 })
  console.log(formatText(report))
  const byGroup = {}
  for (const r of report.results) {
    const g = (byGroup[r.group] ??= { pass: 0, fail: 0, skip: 0 })
    g[r.status]++
  }
  for (const [group, n] of Object.entries(byGroup)) console.log(`${group}: ${n.pass} passed, ${n.fail} failed, ${n.skip} skipped`)
  process.exitCode = report.ok ? 0 : 1
} catch (err) {
  // only bad input or an unreachable node land here: a failing node is a report with failures
  console.error(`cannot run the suite: ${err.message}`)
  process.exitCode = 2
}
