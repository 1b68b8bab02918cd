// Start-up of a node command holds V8's young generation at its initial size (young-generation.ts): in a
// fresh node, allocating survivors grows the new space unless it is held; main() holds it for the node
// commands only and always releases it.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../../src/cli/commands.js'
import { youngGenerationHeld } from '../../src/cli/young-generation.js'
import { run } from './in-process.js'

// the compiled module (the tests' global setup keeps dist/ current): a plain node child runs no TypeScript
const MODULE = new URL('../../dist/src/cli/young-generation.js', import.meta.url).href

/** New-space capacity (bytes) of a fresh node before and after 20 MB of surviving allocations. */
function newSpaceGrowth(hold: boolean): { before: number; after: number } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8'
    const { holdYoungGeneration } = await import(${JSON.stringify(MODULE)})
    const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
    const before = size()
    if (${hold}) holdYoungGeneration()
    const keep = []
    for (let i = 0; i < 200000; i++) keep.push({ i, s: 'x' + i, a: [i, i + 1] })
    process.stdout.write(JSON.stringify({ before, after: size(), kept: keep.length }))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  return JSON.parse(out) as { before: number; after: number }
}

describe('young generation during start-up', () => {
  it('held, surviving allocations leave the new space at its initial size; not held, they grow it', () => {
    // V8 sizes by survivors, not by time: node 20 goes from 1 MB to 32 MB free, stays at 2 MB held
    const free = newSpaceGrowth(false)
    expect(free.after).toBeGreaterThanOrEqual(8 * free.before)
    const held = newSpaceGrowth(true)
    expect(held.after).toBeLessThanOrEqual(2 * held.before)
  })

  it('only the commands that run a node hold it, and main() releases it whatever happens', async () => {
    expect(COMMANDS.filter((c) => c.runsNode).map((c) => c.name).sort()).toEqual(['bridge', 'chat', 'mailserver', 'relay'])
    const r = await run(['relay', '--listen', 'nonsense'])
    expect(r.code).toBe(2)
    expect(youngGenerationHeld()).toBe(false)
  })
})
