/// Rejects builtin calls whose arguments are statically of the wrong type (literals, collection
/// literals, results of other builtins): `concat(1, ["a"])` →
/// `concat: invalid argument(s)\n\thave: (number, array<string>)\n\twant: (delimiter: string, collection: any<array[string], set[string]>, output: string)`.
/// Variables and refs have unknown types here and are never rejected.
enum BuiltinTypeCheck {
    static func run(_ calls: CallSites) -> [EngineError] {
        var errors: [EngineError] = []
        for site in calls.sites {
            guard case .builtin(let name, let decl?) = site.callee, decl.variadic == nil else { continue }
            let call = site.call, exprLevel = site.exprLevel
            let k = decl.args.count
            guard call.args.count == k || (exprLevel && call.args.count == k + 1) else { continue }
            for (i, arg) in call.args.prefix(k).enumerated() where !staticType(arg).fits(decl.args[i]) {
                errors.append(EngineError(
                    .typeError,
                    "\(name): invalid argument(s)\n\thave: \(haveList(call, exprLevel: exprLevel))\n\twant: \(wantList(decl))",
                    location: call.location))
                break
            }
        }
        return errors
    }

    /// `(number, array<string>, ???)`: argument types, plus the unknown output of a call term.
    static func haveList(_ call: Call, exprLevel: Bool) -> String {
        var parts = call.args.map { typeText($0) }
        if !exprLevel { parts.append("???") }
        return "(" + parts.joined(separator: ", ") + ")"
    }

    static func wantList(_ decl: FunctionDecl) -> String {
        var parts = argTexts(decl)
        if let result = decl.result { parts.append(named(decl.resultName, result)) }
        return "(" + parts.joined(separator: ", ") + ")"
    }

    /// OPA's `want` for arity mismatches lists the arguments only (no result).
    static func wantArgs(_ decl: FunctionDecl) -> String {
        "(" + argTexts(decl).joined(separator: ", ") + ")"
    }

    private static func argTexts(_ decl: FunctionDecl) -> [String] {
        decl.args.enumerated().map { i, t in named(i < decl.argNames.count ? decl.argNames[i] : nil, t) }
    }

    /// `collection: any<…>`, or the bare type where OPA's metadata has no name.
    private static func named(_ name: String?, _ t: TypeDecl) -> String {
        guard let name, !name.isEmpty else { return t.description }
        return name + ": " + t.description
    }

    static func typeText(_ t: Term) -> String {
        if case .variable = t.value { return "???" }
        return staticType(t).description
    }

    /// The type a term certainly has, or `.any` when only evaluation can tell.
    static func staticType(_ t: Term) -> TypeDecl {
        switch t.value {
        case .scalar(let v):
            switch v {
            case .null: return .null
            case .bool: return .boolean
            case .number: return .number
            case .string: return .string
            default: return .any
            }
        case .variable, .ref: return .any
        // Empty literals have OPA's open types (`[]` is array[any], `{}` object[any: any]).
        case .array(let xs): return xs.isEmpty ? .array(.any) : .tuple(xs.map(staticType), rest: nil)
        case .set(let xs): return .set(union(xs.map(staticType)))
        case .object(let items):
            if items.isEmpty { return .object(.any, .any) }
            var fields: [(String, TypeDecl)] = []
            for i in items {
                guard case .scalar(.string(let k)) = i.key.value else { return .object(.any, .any) }
                fields.append((k, staticType(i.value)))
            }
            return .record(fields, rest: nil)
        case .arrayComprehension: return .array(.any)
        case .setComprehension: return .set(.any)
        case .objectComprehension: return .object(.any, .any)
        case .template: return .string
        case .call(let c):
            return BuiltinDeclarations.lookup(c.name)?.result ?? .any
        }
    }

    static func union(_ ts: [TypeDecl]) -> TypeDecl {
        var seen: [String: TypeDecl] = [:]
        var order: [String] = []
        for t in ts where seen[t.description] == nil {
            seen[t.description] = t
            order.append(t.description)
        }
        if order.isEmpty { return .any }
        if order.count == 1 { return seen[order[0]]! }
        return .anyOf(order.map { seen[$0]! })
    }
}
