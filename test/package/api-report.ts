// The public surface of each entry point as a text a reviewer reads in a diff (api/*.api.md), built
// from the declarations tsc emits (dist/src/<entry>/index.d.ts, comments removed): every exported
// name with its declaration. Also the leaks: a type of ours that an exported declaration names but no
// entry point exports (a user could meet it and not import it), and each is listed so a test fails.
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

export const ENTRIES: Record<string, string> = {
  p2pmessage: 'dist/src/node/index.d.ts',
  'p2pmessage/whisper': 'dist/src/whisper/index.d.ts',
  'p2pmessage/rpc': 'dist/src/rpc/index.d.ts',
  'p2pmessage/conformance': 'dist/src/conformance/index.d.ts',
}

export interface ApiReport {
  /** entry point -> report text */
  reports: Record<string, string>
  /** "Name (file) named by entry:Export" for each type of ours reachable but not exported */
  leaks: string[]
}

const isPrivate = (m: ts.ClassElement): boolean =>
  (ts.getCombinedModifierFlags(m as ts.Declaration) & ts.ModifierFlags.Private) !== 0 || (m.name !== undefined && ts.isPrivateIdentifier(m.name))

/** A class without its private members (tsc keeps their names in declarations; they are not API). */
function withoutPrivates(node: ts.Node): ts.Node {
  if (!ts.isClassDeclaration(node)) return node
  return ts.factory.updateClassDeclaration(node, node.modifiers, node.name, node.typeParameters, node.heritageClauses, node.members.filter((m) => !isPrivate(m)))
}

export function apiReport(root: string): ApiReport {
  const files = Object.values(ENTRIES).map((f) => join(root, f))
  for (const f of files) if (!existsSync(f)) throw new Error(`${f} missing: build first (the tests' global setup does)`)
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    noEmit: true,
    skipLibCheck: true,
  })
  const checker = program.getTypeChecker()
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed })
  const ours = (d: ts.Declaration) => d.getSourceFile().fileName.startsWith(join(root, 'dist/src/'))
  const target = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)

  const perEntry = new Map<string, ts.Symbol[]>()
  const exported = new Set<ts.Symbol>()
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const sf = program.getSourceFile(join(root, file))!
    const symbols = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!).sort((a, b) => a.name.localeCompare(b.name))
    perEntry.set(entry, symbols)
    for (const s of symbols) exported.add(target(s))
  }

  const leaks = new Set<string>()
  const reports: Record<string, string> = {}
  for (const [entry, symbols] of perEntry) {
    const parts: string[] = []
    for (const s of symbols) {
      const t = target(s)
      for (const d of t.declarations ?? []) {
        const node = ts.isVariableDeclaration(d) ? d.parent.parent : d
        const text = printer.printNode(ts.EmitHint.Unspecified, withoutPrivates(node), d.getSourceFile())
        const from = relative(join(root, 'dist'), d.getSourceFile().fileName).replace(/\.d\.ts$/, '.ts')
        parts.push(`// ${s.name}${s.name !== t.name ? ` (${t.name})` : ''}: ${from}\n${text}`)
        const visit = (n: ts.Node): void => {
          if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n) || ts.isTypeQueryNode(n)) {
            const name = ts.isTypeReferenceNode(n) ? n.typeName : ts.isTypeQueryNode(n) ? n.exprName : n.expression
            const ref = checker.getSymbolAtLocation(name)
            const r = ref && target(ref)
            const decl = r?.declarations?.[0]
            // type parameters and members of our namespaces-less files are not API names of their own
            if (r && decl && ours(decl) && !ts.isTypeParameterDeclaration(decl) && !exported.has(r)) {
              leaks.add(`${r.name} (${relative(join(root, 'dist'), decl.getSourceFile().fileName)}) named by ${entry}:${s.name}`)
            }
          }
          ts.forEachChild(n, visit)
        }
        if (ours(d)) visit(node)
      }
    }
    reports[entry] = `# API report: ${entry}\n\nGenerated from the emitted declarations by test/package/api-report.ts; update with \`npm run api:update\`.\n\n\`\`\`ts\n${parts.join('\n\n')}\n\`\`\`\n`
  }
  return { reports, leaks: [...leaks].sort() }
}
