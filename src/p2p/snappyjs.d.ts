// snappyjs ships no types; the two functions we (and devp2p) use.
declare module 'snappyjs' {
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T
  /** Throws when the data is not valid snappy, or inflates beyond maxLength. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T
}
