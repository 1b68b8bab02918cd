// The public API as committed text (api/*.api.md): a change to what the package exports, or to the
// shape of an exported type, fails here until the report is updated (`npm run api:update`), so it
// shows as a diff in review. Nothing of ours may be reachable from an export without being exported.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../cli/harness.js'
import { apiReport, ENTRIES } from './api-report.js'

describe('the public API', () => {
  const { reports, leaks } = apiReport(ROOT)

  it('names no internal type', () => {
    expect(leaks).toEqual([])
  })

  it.each(Object.keys(ENTRIES))('%s matches its committed report', async (entry) => {
    const file = join(ROOT, 'api', `${entry.replace('/', '-')}.api.md`)
    await expect(reports[entry]).toMatchFileSnapshot(file)
  })
})
