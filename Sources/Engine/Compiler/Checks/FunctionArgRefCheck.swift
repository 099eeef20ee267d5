/// Function arguments are patterns: a ref in one can never be bound, so OPA reports the
/// variables it mentions as unsafe (`f(input.n) := 1` → `var input is unsafe`, `f(x[y])` → x
/// and y), and a bare `input`/`data` argument as shadowing (`args must not shadow input (use a
/// different variable name)`).
enum FunctionArgRefCheck {
    static func run(_ modules: [Module]) -> [EngineError] {
        var errors: [EngineError] = []
        for m in modules {
            for rule in m.rules {
                guard let args = rule.head.args else { continue }
                var plain = Set<String>()
                for a in args { if case .variable(let n) = a.value { plain.insert(n) } }
                var reported = Set<String>()
                for a in args { check(a, plain, &reported, &errors) }
            }
        }
        return errors
    }

    private static func check(_ t: Term, _ plain: Set<String>, _ reported: inout Set<String>,
                              _ errors: inout [EngineError]) {
        switch t.value {
        case .variable(let h) where h == "input" || h == "data":
            errors.append(EngineError(.compileError, "args must not shadow \(h) (use a different variable name)",
                                      location: t.location))
        case .ref(let r):
            if r.parts.isEmpty, let h = r.headVariable, h == "input" || h == "data" {
                errors.append(EngineError(.compileError, "args must not shadow \(h) (use a different variable name)",
                                          location: t.location))
                return
            }
            var names: [String] = []
            refVars(t, &names)
            for n in names where !plain.contains(n) && !n.hasPrefix("$") && reported.insert(n).inserted {
                errors.append(EngineError(.unsafeVarError, "var \(n) is unsafe", location: t.location))
            }
        case .array(let xs), .set(let xs): for x in xs { check(x, plain, &reported, &errors) }
        case .object(let items):
            for i in items {
                check(i.key, plain, &reported, &errors)
                check(i.value, plain, &reported, &errors)
            }
        default: break
        }
    }

    /// The variables of a ref: its head and those in its bracket keys.
    private static func refVars(_ t: Term, _ out: inout [String]) {
        switch t.value {
        case .variable(let n): if !out.contains(n) { out.append(n) }
        case .ref(let r):
            if let h = r.headVariable { if !out.contains(h) { out.append(h) } } else { refVars(r.head, &out) }
            for p in r.parts { if case .bracket(let b) = p { refVars(b, &out) } }
        case .array(let xs), .set(let xs): for x in xs { refVars(x, &out) }
        case .object(let items): for i in items { refVars(i.key, &out); refVars(i.value, &out) }
        default: break
        }
    }
}
