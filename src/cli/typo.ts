// Which word a typo meant: the suggestion in `unknown command 'realy' (did you mean relay?)` and in
// `--bootnodes nonee`'s error.

/** Damerau (optimal string alignment) distance: a swapped pair of letters counts as one typo. */
function typoDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** The candidate `word` is a typo of (a prefix of two letters or more counts as one), or null when none is close. */
export function closestWord(word: string, candidates: readonly string[]): string | null {
  const lower = word.toLowerCase()
  let best: string | null = null
  let bestDistance = Infinity
  for (const n of candidates) {
    const dist = n.startsWith(lower) && lower.length >= 2 ? 1 : typoDistance(lower, n)
    if (dist < bestDistance) {
      best = n
      bestDistance = dist
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : null
}
