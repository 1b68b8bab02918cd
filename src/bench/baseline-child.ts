// The baseline side of `p2pmessage bench`, run by figures.ts as
//   node --no-expose-wasm baseline-child.js '<BenchPlan JSON>'
// Without WebAssembly every keccak of this process is the pure-JS one; it prints one SideResult as JSON.
import { runSide, type BenchPlan } from './figures.js'

const plan = JSON.parse(process.argv[2] ?? '') as BenchPlan
runSide(plan).then(
  (r) => process.stdout.write(JSON.stringify(r) + '\n'),
  (e: unknown) => {
    process.stderr.write(`baseline: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  },
)
