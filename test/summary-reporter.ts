// Ends a run with the plain 'N passed, N failed' line that CI tools read in any language. Errors outside
// any test (a worker process that died, an unhandled rejection) are counted on the same line with the
// first one's message, so a run they broke never ends without saying so.
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = [], reason?: TestRunEndReason): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    let notRun = 0
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else if (state === 'skipped') skipped++
        else notRun++ // its worker died before it ran
      }
      // a file that failed to load has no tests to count, but it is a failure
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++
    }
    let line = `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`
    if (notRun > 0) line += `, ${notRun} not run`
    if (unhandledErrors.length > 0) {
      const first = unhandledErrors[0]
      const why = [first.message, (first.cause as SerializedError | undefined)?.message].filter(Boolean).join(': ')
      line += `; ${unhandledErrors.length} error${unhandledErrors.length === 1 ? '' : 's'} outside tests (${why.split('\n')[0]})`
    }
    if (reason === 'interrupted') line += '; interrupted'
    process.stdout.write(`\n${line}\n`)
  }
}
