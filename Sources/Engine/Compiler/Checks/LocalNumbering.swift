/// The numbers OPA gives its generated local variables (`__localN__`), for the messages that
/// print them (`undefined ref: count(x)[__local3__]` for `some v in count(x)`).
///
/// OPA numbers locals with one counter over the compile: first the non-variable, non-scalar
/// parts of rule-head refs, then rule by rule in module order, each
/// body in order (a comprehension's body where the comprehension appears, the right side of
/// `:=` before its left side, the head's comprehensions before the body, else bodies after
/// the rule's): each variable in a function's
/// arguments, each variable a `:=` declares, each `some` name, `some k, v in` both names,
/// `every` two (after its collection); `some v in xs` takes three, the first being the key OPA
/// generates (before the collection's comprehensions).
struct LocalNumbering {
    /// The generated key's number of each `some v in xs`, by the expression's location.
    private(set) var keys: [SourceLocation: Int] = [:]
    private var next = 0

    init(_ modules: [Module]) {
        // An earlier stage gives every rule-head ref part that is neither a variable nor a
        // scalar a local first (`r[sprintf("k%v", [v])] := v` → `r[__local0__]`), all rules.
        for m in modules {
            for rule in m.rules {
                for p in rule.head.ref.parts {
                    switch p.term.value {
                    case .variable, .scalar: break
                    default: next += 1
                    }
                }
            }
        }
        for m in modules {
            for rule in m.rules {
                for a in rule.head.args ?? [] { next += Self.variables(in: a) }
                // Comprehensions in the head come before the body, as OPA rewrites them.
                for t in [rule.head.key, rule.head.value].compactMap({ $0 }) { term(t) }
                body(rule.body)
                for b in rule.elseChain { body(b.body) }
            }
        }
    }

    private static func variables(in t: Term) -> Int {
        switch t.value {
        case .variable: return 1
        case .array(let xs), .set(let xs): return xs.reduce(0) { $0 + variables(in: $1) }
        case .object(let items): return items.reduce(0) { $0 + variables(in: $1.value) }
        default: return 0
        }
    }

    private mutating func body(_ b: Body) {
        for e in b { expr(e) }
    }

    private mutating func expr(_ e: Expr) {
        switch e.kind {
        case .term(let t): term(t)
        case .call(let c) where c.infix == .assign && c.args.count == 2:
            term(c.args[1])
            next += Self.variables(in: c.args[0])
        case .call(let c): for a in c.args { term(a) }
        case .some(.vars(let ts)): next += ts.count
        case .some(.membership(let k, _, let coll)):
            // The declared names come before the collection's comprehensions.
            if k == nil {
                keys[e.location] = next
                next += 3
            } else {
                next += 2
            }
            term(coll)
        case .every(let ev):
            term(ev.collection)
            next += 2
            body(ev.body)
        case .logical(let l):
            body(l.lhs)
            body(l.rhs)
        case .notBody(let b): body(b)
        }
        for w in e.with { term(w.value) }
    }

    private mutating func term(_ t: Term) {
        switch t.value {
        case .scalar, .variable, .template: break
        case .ref(let r):
            term(r.head)
            for p in r.parts { if case .bracket(let b) = p { term(b) } }
        case .array(let xs), .set(let xs): for x in xs { term(x) }
        case .object(let items): for i in items { term(i.key); term(i.value) }
        case .arrayComprehension(let h, let b), .setComprehension(let h, let b):
            term(h)
            body(b)
        case .objectComprehension(let k, let v, let b):
            term(k)
            term(v)
            body(b)
        case .call(let c): for a in c.args { term(a) }
        }
    }
}
