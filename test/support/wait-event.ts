// Waits for an event with a deadline: a missed event fails the test instead of hanging it.
import type { EventEmitter } from 'node:events'
import { budget } from './budget.js'

export function waitEvent<T extends unknown[]>(
  em: EventEmitter,
  event: string,
  filter: (...args: T) => boolean = () => true,
  ms = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      em.off(event, on)
      reject(new Error(`timed out waiting for '${event}'`))
    }, budget(ms))
    const on = (...args: unknown[]) => {
      if (!filter(...(args as T))) return
      clearTimeout(timer)
      em.off(event, on)
      resolve(args as T)
    }
    em.on(event, on)
  })
}
