import { describe, expect, it } from 'vitest'
import { resolveLimits, DEFAULT_LIMITS } from '../../src/bridge/limits.js'

describe('resolveLimits', () => {
  it('fills defaults and refuses non-positive limits', () => {
    expect(resolveLimits({ maxBodyBytes: 10 }).maxBodyBytes).toBe(10)
    expect(resolveLimits().heartbeatMs).toBe(DEFAULT_LIMITS.heartbeatMs)
    expect(() => resolveLimits({ maxRooms: 0 })).toThrow(/maxRooms/)
  })
})
