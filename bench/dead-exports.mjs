// Exported names of src/ that no other file (src, bench, test, bin, vitest.config.ts) imports, with the
// TypeScript parser: named, namespace, re-exported (followed through `export *`) and dynamic imports
// (`const { a } = await import(...)`). "used in its own file": drop the `export`; "unused": dead code.
// Types are listed too; an option or result type of an exported function may stay exported as its API.
// Not a test: a name used only through a string (a worker path, a test's generated script) looks dead.
// Usage: node bench/dead-exports.mjs [repo] [--values]   (--values: leave types out)
import { readdirSync, statSync, readFileSync, existsSync } from 'node:fs'
import { join, resolve, dirname, relative } from 'node:path'
import { createRequire } from 'node:module'
const args = process.argv.slice(2)
const root = resolve(args.find((a) => !a.startsWith('--')) ?? '.')
const valuesOnly = args.includes('--values')
const ts = createRequire(join(root, 'package.json'))('typescript')
const walk = (d) => readdirSync(d).flatMap((f) => { const p = join(d, f); return statSync(p).isDirectory() ? walk(p) : /\.(ts|mjs|js)$/.test(f) && !f.endsWith('.d.ts') ? [p] : [] })
const files = [...['src', 'bench', 'test'].flatMap((d) => walk(join(root, d))), join(root, 'vitest.config.ts'), join(root, 'bin/p2pmessage')].filter(existsSync)
const resolveSpec = (from, spec) => {
  if (!spec.startsWith('.')) return null
  let p = resolve(dirname(from), spec)
  if (p.includes('/dist/')) p = p.replace(/\/dist\//, '/').replace(/\.js$/, '.ts')
  const cands = [p.replace(/\.js$/, '.ts'), p, p + '.ts', join(p, 'index.ts')]
  return cands.find((c) => existsSync(c) && statSync(c).isFile()) ?? null
}
const exportsOf = new Map() // file -> Map(name -> {line, localUse})
const reexports = new Map() // file -> [{target, names: Map(exported->imported) | '*'}]
const used = new Set() // `${file}#${name}`
const allUsed = new Set() // files whose every export counts as used (namespace import, dynamic import without destructuring)
for (const f of files) {
  const text = readFileSync(f, 'utf8')
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true, f.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS)
  const ex = new Map()
  const re = []
  const kindOf = (node) => ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) ? 'type' : ts.isExportSpecifier(node) ? 're-export' : 'value'
  const add = (name, node) => ex.set(name, { line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, kind: kindOf(node) })
  const isExported = (n) => ts.getCombinedModifierFlags(n) & ts.ModifierFlags.Export
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const t = resolveSpec(f, st.moduleSpecifier.text); if (!t) continue
      const cl = st.importClause; if (!cl) continue
      if (cl.name) used.add(`${t}#default`)
      const nb = cl.namedBindings
      if (nb && ts.isNamespaceImport(nb)) allUsed.add(t)
      else if (nb) for (const el of nb.elements) used.add(`${t}#${(el.propertyName ?? el.name).text}`)
    } else if (ts.isExportDeclaration(st)) {
      if (st.moduleSpecifier) {
        const t = resolveSpec(f, st.moduleSpecifier.text); if (!t) continue
        if (!st.exportClause) re.push({ target: t, names: '*' })
        else if (ts.isNamedExports(st.exportClause)) {
          const m = new Map(); for (const el of st.exportClause.elements) { m.set(el.name.text, (el.propertyName ?? el.name).text); add(el.name.text, el) }
          re.push({ target: t, names: m })
        }
      } else if (st.exportClause && ts.isNamedExports(st.exportClause)) for (const el of st.exportClause.elements) add(el.name.text, el)
    } else if (isExported(st)) {
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) { if (ts.isIdentifier(d.name)) add(d.name.text, d) }
      else if (st.name) add(st.name.text, st)
    }
  }
  // dynamic imports
  const visit = (n) => {
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      const t = resolveSpec(f, n.arguments[0].text)
      if (t) {
        let p = n.parent; if (p && ts.isAwaitExpression(p)) p = p.parent
        if (p && ts.isVariableDeclaration(p) && ts.isObjectBindingPattern(p.name)) for (const el of p.name.elements) used.add(`${t}#${(el.propertyName ?? el.name).getText()}`)
        else if (p && ts.isPropertyAccessExpression(p) && p.name.text !== 'then') used.add(`${t}#${p.name.text}`)
        else allUsed.add(t)
      }
    }
    ts.forEachChild(n, visit)
  }
  visit(sf)
  if (f.startsWith(join(root, 'src') + '/')) exportsOf.set(f, ex)
  reexports.set(f, re)
}
// propagate uses through re-exports
let changed = true
while (changed) {
  changed = false
  for (const [f, re] of reexports) for (const r of re) {
    if (r.names === '*') {
      for (const [name] of exportsOf.get(r.target) ?? []) if ((used.has(`${f}#${name}`) || allUsed.has(f)) && !used.has(`${r.target}#${name}`)) { used.add(`${r.target}#${name}`); changed = true }
    } else for (const [exp, imp] of r.names) if ((used.has(`${f}#${exp}`) || allUsed.has(f)) && !used.has(`${r.target}#${imp}`)) { used.add(`${r.target}#${imp}`); changed = true }
  }
}
const out = []
for (const [f, ex] of exportsOf) {
  if (allUsed.has(f)) continue
  const text = readFileSync(f, 'utf8')
  for (const [name, { line, kind }] of ex) {
    if (used.has(`${f}#${name}`) || (valuesOnly && kind === 'type')) continue
    const local = (text.match(new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`, 'g')) ?? []).length > 1
    out.push(`${relative(root, f)}:${line}: ${kind} ${name}${local ? ' (used in its own file)' : ' (unused)'}`)
  }
}
console.log(out.sort().join('\n'))
console.error(`${out.length} dead exports`)
