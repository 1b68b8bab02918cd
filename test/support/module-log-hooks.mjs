// Module customization hooks (node --import of module-log.mjs) that append every module URL the process,
// and its worker threads, resolve to the file named by MODULE_LOG: idle.e2e.test.ts reads which modules a
// command loaded.
import { appendFileSync } from 'node:fs'

export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context)
  if (process.env.MODULE_LOG) appendFileSync(process.env.MODULE_LOG, r.url + '\n')
  return r
}
