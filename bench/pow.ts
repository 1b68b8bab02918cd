// npm run bench: PoW/keccak throughput, WebAssembly engine vs pure JS, measured in the same run.
//   node dist/bench/pow.js [ms-per-measurement]
import { formatPowBench, runPowBench } from '../src/bench/pow-bench.js'

const ms = Number(process.argv[2] ?? 2000)
console.log(formatPowBench(runPowBench({ ms: Number.isFinite(ms) && ms > 0 ? ms : 2000 })))
