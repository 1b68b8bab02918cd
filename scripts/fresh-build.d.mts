// Types of fresh-build.mjs for the TypeScript that imports it (the tests' global setup).
export declare const ROOT: string
export declare const TSC_ARGS: string[]
export declare function staleSources(root?: string): { source: string; output: string; missing: boolean; sourceMs: number }[]
export declare function wasmStale(root?: string): boolean
export declare function ensureFreshWasm(root?: string): boolean
export declare function ensureFreshDist(root?: string): number
