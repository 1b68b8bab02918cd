// The node's public types are our own: nothing exported from src/node/index.ts (or the node modules
// adapters, tools and tests import directly) reaches a type declared by @ethereumjs/devp2p or any other
// @ethereumjs package, directly or through src/p2p's re-exports. The TypeScript checker walks every
// export's type (properties, call signatures, unions, type arguments, events' argument types) down to
// declarations outside src/; private members are not part of the API and are skipped.
import { resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { budget } from '../support/budget.js'

const ROOT = resolve(__dirname, '../..')
const MODULES = ['index', 'whisper-node', 'mailserver', 'mailclient', 'archive', 'gateway', 'delivery', 'filter', 'validate', 'seal-pool', 'peer-limits']
  .map((m) => `src/node/${m}.ts`)

function leaks(files: string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(resolve(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  const program = ts.createProgram(files.map((f) => resolve(ROOT, f)), { ...config!.options, noEmit: true })
  const checker = program.getTypeChecker()
  const found = new Set<string>()
  const seen = new Set<ts.Type>()

  const foreign = (sym: ts.Symbol | undefined): string | null => {
    for (const d of sym?.declarations ?? []) {
      const file = d.getSourceFile().fileName
      if (file.includes('/node_modules/@ethereumjs/')) return file.slice(file.indexOf('@ethereumjs/'))
    }
    return null
  }
  const outside = (sym: ts.Symbol | undefined): boolean =>
    (sym?.declarations ?? []).some((d) => d.getSourceFile().fileName.includes('/node_modules/') || d.getSourceFile().isDeclarationFile)
  const hidden = (sym: ts.Symbol): boolean =>
    (sym.declarations ?? []).some(
      (d) => (ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || sym.name.startsWith('#'),
    )

  const walk = (type: ts.Type, path: string): void => {
    for (const sym of [type.aliasSymbol, type.getSymbol()]) {
      const from = foreign(sym)
      if (from) found.add(`${path}: ${checker.typeToString(type)} (${from})`)
    }
    if (seen.has(type)) return
    seen.add(type)
    for (const t of type.aliasTypeArguments ?? []) walk(t, `${path}<>`)
    if (type.isUnionOrIntersection()) for (const t of type.types) walk(t, path)
    if (type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
      for (const t of checker.getTypeArguments(type as ts.TypeReference)) walk(t, `${path}<>`)
    }
    // a type declared outside our sources (EventEmitter, Uint8Array, Promise): its arguments were checked above
    if (outside(type.aliasSymbol ?? type.getSymbol())) return
    for (const prop of checker.getPropertiesOfType(type)) {
      if (hidden(prop)) continue
      const decl = prop.valueDeclaration ?? prop.declarations?.[0]
      if (!decl) continue
      walk(checker.getTypeOfSymbolAtLocation(prop, decl), `${path}.${prop.name}`)
    }
    for (const kind of [ts.SignatureKind.Call, ts.SignatureKind.Construct]) {
      for (const sig of checker.getSignaturesOfType(type, kind)) {
        for (const p of sig.getParameters()) {
          const decl = p.valueDeclaration ?? p.declarations?.[0]
          if (decl) walk(checker.getTypeOfSymbolAtLocation(p, decl), `${path}(${p.name})`)
        }
        walk(sig.getReturnType(), `${path}()`)
      }
    }
    for (const info of checker.getIndexInfosOfType(type)) walk(info.type, `${path}[]`)
  }

  for (const f of files) {
    const source = program.getSourceFile(resolve(ROOT, f))!
    const mod = checker.getSymbolAtLocation(source)!
    for (const exp of checker.getExportsOfModule(mod)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp
      const name = `${f}:${exp.name}`
      const from = foreign(sym)
      if (from) found.add(`${name} (${from})`)
      if (sym.flags & (ts.SymbolFlags.Type | ts.SymbolFlags.Class)) walk(checker.getDeclaredTypeOfSymbol(sym), name)
      if (sym.flags & ts.SymbolFlags.Value && sym.valueDeclaration) walk(checker.getTypeOfSymbolAtLocation(sym, sym.valueDeclaration), name)
    }
  }
  return [...found]
}

describe("the node's public types", () => {
  it('reach nothing declared by @ethereumjs (devp2p) packages', () => {
    expect(leaks(MODULES)).toEqual([])
  }, budget(30_000))
})
