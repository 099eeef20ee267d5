/// Comprehensions as OPA prints them in `undefined ref` errors: after its rewriting, so
/// `some x in [1, 2]` reads `[1, 2] = [1, 2]; x = [1, 2][__localN__]` (N the key OPA generates;
/// over a ref or variable just `x = xs[__localN__]`), `some k, v in xs` `v = xs[k]` likewise,
/// operators are calls (`gt(x, 1)`) except unification (`a = b`). Bodies with anything else
/// OPA rewrites (`:=` locals, `every`, `with`, nested comprehensions) are not printed (nil).
enum RewrittenText {
    static func comprehension(_ t: Term, keys: [SourceLocation: Int], names: [String: String]) -> String? {
        // Wildcards print as written.
        var names = names
        ASTWalk.terms(in: t) { x in if case .variable(let v) = x.value, v.hasPrefix("$") { names[v] = "_" } }
        func body(_ b: Body) -> String? {
            var parts: [String] = []
            for e in b {
                guard let s = expr(e) else { return nil }
                parts.append(s)
            }
            return parts.joined(separator: "; ")
        }
        func term(_ t: Term) -> String? {
            var ok = true
            ASTWalk.terms(in: t) { x in
                switch x.value {
                case .arrayComprehension, .setComprehension, .objectComprehension, .template: ok = false
                default: break
                }
            }
            return ok ? RefText.term(t, names: names) : nil
        }
        func expr(_ e: Expr) -> String? {
            guard e.with.isEmpty else { return nil }
            var s: String
            switch e.kind {
            case .term(let t):
                guard let x = term(t) else { return nil }
                s = x
            case .call(let c):
                guard c.infix != .assign else { return nil }
                let args = c.args.compactMap(term)
                guard args.count == c.args.count else { return nil }
                s = c.name == "eq" && args.count == 2 ? args[0] + " = " + args[1] : c.name + "(" + args.joined(separator: ", ") + ")"
            case .some(.membership(let k, let v, let coll)):
                guard !e.negated, let xs = term(coll), let value = term(v) else { return nil }
                let key: String
                if let k {
                    guard let kt = term(k) else { return nil }
                    key = kt
                } else {
                    guard let n = keys[e.location] else { return nil }
                    key = "__local\(n)__"
                }
                // A collection other than a ref or variable was bound to a local first.
                switch coll.value {
                case .ref, .variable: return "\(value) = \(xs)[\(key)]"
                default: return "\(xs) = \(xs); \(value) = \(xs)[\(key)]"
                }
            default: return nil
            }
            return e.negated ? "not " + s : s
        }
        switch t.value {
        case .arrayComprehension(let h, let b):
            guard let head = term(h), let b = body(b) else { return nil }
            return "[\(head) | \(b)]"
        case .setComprehension(let h, let b):
            guard let head = term(h), let b = body(b) else { return nil }
            return "{\(head) | \(b)}"
        case .objectComprehension(let k, let v, let b):
            guard let key = term(k), let value = term(v), let b = body(b) else { return nil }
            return "{\(key): \(value) | \(b)}"
        default: return nil
        }
    }
}
