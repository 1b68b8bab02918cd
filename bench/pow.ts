// npm run bench: PoW/keccak throughput, WebAssembly engine vs pure JS measured in the same run, and
// the multi-core seal pool.   node dist/bench/pow.js [ms-per-measurement]
import { formatPoolMeasurement, formatPowBench, measureSealPool, runPowBench } from '../src/bench/pow-bench.js'

const arg = Number(process.argv[2] ?? 2000)
const ms = Number.isFinite(arg) && arg > 0 ? arg : 2000
console.log(formatPowBench(runPowBench({ ms })))
console.log(formatPoolMeasurement(await measureSealPool(ms)))
