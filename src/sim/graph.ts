// Random graphs for the simulation: every node with `degree` links (a random regular graph by the
// pairing model, retried a few times; a leftover stub or two is dropped), then made connected.
export type Edge = [number, number]

export function randomRegularGraph(n: number, degree: number, random: () => number): Edge[] {
  if (!Number.isInteger(n) || n < 2) throw new Error(`nodes must be an integer >= 2, got ${n}`)
  if (!Number.isInteger(degree) || degree < 1 || degree >= n) throw new Error(`degree must be an integer in 1..${n - 1}, got ${degree}`)
  const key = (a: number, b: number) => (a < b ? a * n + b : b * n + a)
  let best: Edge[] = []
  for (let attempt = 0; attempt < 20; attempt++) {
    const stubs: number[] = []
    for (let i = 0; i < n; i++) for (let d = 0; d < degree; d++) stubs.push(i)
    for (let i = stubs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[stubs[i], stubs[j]] = [stubs[j], stubs[i]]
    }
    const seen = new Set<number>()
    const edges: Edge[] = []
    const left: number[] = []
    while (stubs.length >= 2) {
      const a = stubs.pop()!
      // the first partner that makes neither a loop nor a double link
      let k = stubs.length - 1
      while (k >= 0 && (stubs[k] === a || seen.has(key(a, stubs[k])))) k--
      if (k < 0) {
        left.push(a)
        continue
      }
      const b = stubs[k]
      stubs.splice(k, 1)
      seen.add(key(a, b))
      edges.push([a, b])
    }
    if (edges.length > best.length) best = edges
    if (left.length === 0 && stubs.length === 0) break
  }
  return connect(n, best)
}

/** Joins the components with one extra link each (a random regular graph almost always has one). */
function connect(n: number, edges: Edge[]): Edge[] {
  const parent = Array.from({ length: n }, (_, i) => i)
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])))
  for (const [a, b] of edges) parent[find(a)] = find(b)
  const roots = [...new Set(Array.from({ length: n }, (_, i) => find(i)))]
  for (let i = 1; i < roots.length; i++) edges.push([roots[0], roots[i]])
  return edges
}

export function degrees(n: number, edges: Edge[]): number[] {
  const d = new Array<number>(n).fill(0)
  for (const [a, b] of edges) {
    d[a]++
    d[b]++
  }
  return d
}
