/// OPA's type checker unifies the types of the two sides of `=` and `==`; when both are
/// statically known and cannot hold the same value it rejects the expression:
/// `1 == "s"`, `[1] = [1, 2]`, `{"a": 1} = {"b": 1}` → `match error\n\tleft  : number\n\tright : string`
/// (rego_type_error). Only fully known types are compared (no `any` inside, which OPA would
/// print as `???` for unbound variables); sets and dynamic objects are compared by kind only,
/// so anything doubtful is accepted.
enum UnifyTypeCheck {
    static func check(_ e: Expr, _ type: (Term) -> TypeDecl, _ errors: inout [EngineError]) {
        guard case .call(let c) = e.kind, c.name == "eq" || c.name == "equal", c.args.count == 2 else { return }
        let l = type(c.args[0]), r = type(c.args[1])
        // `==` reads two bound values: `any` inside one (`[input.a] == 5`) is a value of unknown
        // type, and OPA prints it as `any`. In `=` it may stand for a variable bound by the
        // unification itself (OPA prints `???` there): only fully known types are compared.
        // Sides without variables in pattern position (`array.slice(xs, 0, 1) = 5`) bind
        // nothing: their `any` is a value of unknown type too.
        guard c.name == "equal" || (known(l) && known(r)) || !(patternVariables(c.args[0]) || patternVariables(c.args[1])),
              disjoint(l, r) else { return }
        errors.append(EngineError(.typeError, "match error\n\tleft  : \(sorted(l))\n\tright : \(sorted(r))", location: e.location))
    }

    /// `[x, y] = p`, `{"a": x} := p`: a pattern whose fresh variables (OPA prints them `???`)
    /// cannot match the other side's fully known type (`array<???, ???>` against
    /// `object<y: number>`, or against `array<number>`: another length).
    static func checkPattern(_ e: Expr, _ type: (Term) -> TypeDecl, fresh: (String) -> Bool, _ errors: inout [EngineError]) {
        guard case .call(let c) = e.kind, c.name == "eq" || c.name == "assign", c.args.count == 2 else { return }
        let types = [type(c.args[0]), type(c.args[1])]
        if c.name == "eq", known(types[0]), known(types[1]) { return }  // `check` covers it
        func hasFresh(_ t: Term) -> Bool {
            switch t.value {
            case .variable(let v): return fresh(v)
            case .array(let xs): return xs.contains(where: hasFresh)
            case .object(let items): return items.contains { hasFresh($0.value) }
            default: return false
            }
        }
        func display(_ t: Term) -> String {
            guard hasFresh(t) else { return sorted(type(t)).description }
            switch t.value {
            case .array(let xs): return "array<" + xs.map(display).joined(separator: ", ") + ">"
            case .object(let items):
                let fields = items.compactMap { i -> (String, String)? in
                    guard case .scalar(.string(let k)) = i.key.value else { return nil }
                    return (k, display(i.value))
                }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
                return "object<" + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + ">"
            default: return "???"
            }
        }
        for (p, o) in c.name == "assign" ? [(0, 1)] : [(0, 1), (1, 0)] {
            let pattern = c.args[p]
            switch pattern.value {
            case .array(let xs) where !xs.isEmpty: break
            case .object(let items) where !items.isEmpty && items.allSatisfy({ if case .scalar(.string) = $0.key.value { return true } else { return false } }): break
            default: continue
            }
            guard hasFresh(pattern), !hasFresh(c.args[o]), known(types[o]), disjoint(types[p], types[o]) else { continue }
            errors.append(EngineError(.typeError, "match error\n\tleft  : \(display(c.args[0]))\n\tright : \(display(c.args[1]))",
                                      location: e.location))
            return
        }
    }

    /// True if unification could bind a variable of `t`: a variable side, or one inside an
    /// array, set or object literal.
    private static func patternVariables(_ t: Term) -> Bool {
        switch t.value {
        case .variable: return true
        case .array(let xs), .set(let xs): return xs.contains(where: patternVariables)
        case .object(let items): return items.contains { patternVariables($0.key) || patternVariables($0.value) }
        default: return false
        }
    }

    /// OPA prints object types with their keys in order.
    static func sorted(_ t: TypeDecl) -> TypeDecl {
        switch t {
        case .anyOf(let ts): return .anyOf(ts.map(sorted))
        case .array(let e): return .array(sorted(e))
        case .set(let e): return .set(sorted(e))
        case .object(let k, let v): return .object(sorted(k), sorted(v))
        case .tuple(let ts, let rest): return .tuple(ts.map(sorted), rest: rest.map(sorted))
        case .record(let fs, let rest):
            return .record(fs.map { ($0.0, sorted($0.1)) }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) },
                           rest: rest)
        default: return t
        }
    }

    /// True if `t` has no `any` (nor function) inside.
    private static func known(_ t: TypeDecl) -> Bool {
        switch t {
        case .any, .function: return false
        case .null, .boolean, .number, .string: return true
        case .anyOf(let ts): return !ts.isEmpty && ts.allSatisfy(known)
        case .array(let e), .set(let e): return known(e)
        case .object(let k, let v): return known(k) && known(v)
        case .tuple(let ts, let rest): return ts.allSatisfy(known) && (rest.map(known) ?? true)
        case .record(let fs, let rest): return fs.allSatisfy { known($0.1) } && (rest.map { known($0.key) && known($0.value) } ?? true)
        case .keyedRecord(let fs): return fs.allSatisfy { known($0.value) }
        }
    }

    private enum Kind { case null, boolean, number, string, array, set, object, other }

    private static func kind(_ t: TypeDecl) -> Kind {
        switch t {
        case .null: return .null
        case .boolean: return .boolean
        case .number: return .number
        case .string: return .string
        case .array, .tuple: return .array
        case .set: return .set
        case .object, .record, .keyedRecord: return .object
        default: return .other
        }
    }

    /// True only when no value can have both types.
    static func disjoint(_ a: TypeDecl, _ b: TypeDecl) -> Bool {
        if case .anyOf(let xs) = a { return xs.allSatisfy { disjoint($0, b) } }
        if case .anyOf(let ys) = b { return ys.allSatisfy { disjoint(a, $0) } }
        let ka = kind(a), kb = kind(b)
        if ka == .other || kb == .other { return false }
        if ka != kb { return true }
        switch (a, b) {
        // `[]` and `{}` unify with any array / object (OPA types them as open).
        case (.tuple(let xs, _), _) where xs.isEmpty: return false
        case (_, .tuple(let ys, _)) where ys.isEmpty: return false
        case (.record(let fs, _), _) where fs.isEmpty: return false
        case (_, .record(let gs, _)) where gs.isEmpty: return false
        case (.set(let x), .set(let y)):
            return disjoint(x, y)
        case (.tuple(let xs, nil), .tuple(let ys, nil)):
            return xs.count != ys.count || zip(xs, ys).contains { disjoint($0, $1) }
        case (.array(let x), .array(let y)):
            return disjoint(x, y)
        case (.tuple(let xs, nil), .array(let y)), (.array(let y), .tuple(let xs, nil)):
            return xs.contains { disjoint($0, y) }
        case (.record(let fs, nil), .record(let gs, nil)):
            let fk = Set(fs.map(\.0)), gk = Set(gs.map(\.0))
            if fk != gk { return true }
            return fs.contains { f in gs.contains { $0.0 == f.0 && disjoint(f.1, $0.1) } }
        default:
            return false
        }
    }
}
