/// Calls of user functions with arguments of the wrong type, against the argument types OPA
/// infers from the functions' bodies: `f(x) := y if { y := x + 1 }` makes x a number, so
/// `f("a")` is `data.fz.f: invalid argument(s)\n\thave: (string, ???)\n\twant: (number, number)`
/// (rego_type_error; `want` lists the arguments, then the result).
///
/// Inference follows OPA's type checker: a variable without a type takes the type of the first
/// parameter it is passed to (a builtin's declared argument, another function's inferred one),
/// of the other side of `=`/`==`, or of the value `:=` assigns it; an argument never constrained
/// is `any`; a literal argument pattern has its literal's type; the clauses of one function are
/// united position by position. Variables passed at call sites carry the types the walk gave
/// them (`z := "a"; f(z)`). Only calls are checked here: builtin arguments stay with
/// `BuiltinTypeCheck`. An `else` branch is typed as one more clause of its function, a default
/// clause too (its `_` is `any`).
enum FunctionTypeCheck {
    struct Signature {
        var args: [TypeDecl]
        var result: TypeDecl
    }

    static func run(_ modules: [Module], index: RuleIndex, resolvers: [NameResolver]) -> [EngineError] {
        var checker = Checker(modules: modules, index: index, resolvers: resolvers)
        var errors: [EngineError] = []
        for (mi, m) in modules.enumerated() {
            for rule in m.rules {
                var env: [String: TypeDecl] = [:]
                checker.walk(rule, module: mi, env: &env, errors: &errors)
                // Each else branch is a body of its own (the arguments untyped again).
                for b in rule.elseChain {
                    var elseEnv: [String: TypeDecl] = [:]
                    checker.body(b.body, mi, &elseEnv, &errors)
                    checker.term(b.value, mi, &elseEnv, &errors)
                }
            }
        }
        return errors
    }

    struct Checker {
        let modules: [Module]
        let index: RuleIndex
        let resolvers: [NameResolver]
        var signatures: [String: Signature?] = [:]
        /// Inferred document types of value rules by path (`RuleValueTypes`).
        var ruleTypes: [String: TypeDecl?] = [:]
        /// The locals of the rule being walked (they shadow package rule names).
        var locals: Set<String> = []
        /// True inside an expression with `with data…`: rule values may be replaced there.
        var underWith = false
        var inProgress = Set<String>()
        /// Calls found ill-typed in the walk under way (reported or not).
        var failedCalls = 0
        /// A query's own call expressions: OPA gives them an output variable (QueryCallCheck).
        var capturedCalls: Set<SourceLocation> = []

        init(modules: [Module], index: RuleIndex, resolvers: [NameResolver]) {
            self.modules = modules
            self.index = index
            self.resolvers = resolvers
        }

        /// The inferred signature of the function at `path` (nil: untyped).
        mutating func signature(_ path: [String]) -> Signature? {
            let key = RuleIndex.key(path)
            if let s = signatures[key] { return s }
            guard inProgress.insert(key).inserted else { return nil }
            let (savedLocals, savedWith) = (locals, underWith)
            defer { inProgress.remove(key); locals = savedLocals; underWith = savedWith }
            underWith = false
            let clauses = index.rules(at: path).filter { $0.rule.kind == .function }
            var out: Signature?
            if !clauses.isEmpty {
                var sigs: [Signature] = []
                // A function whose body has a type error is untyped (OPA types it `any`).
                let saved = failedCalls
                defer { failedCalls = saved }
                func argTypes(_ args: [Term], _ env: [String: TypeDecl]) -> [TypeDecl] {
                    args.map { a -> TypeDecl in
                        if case .variable(let v) = a.value { return env[v] ?? .any }
                        return BuiltinTypeCheck.staticType(a)
                    }
                }
                // Each `else` branch counts as one more clause with the rule's parameters
                // (`f(x) := 1 if { x == 1 } else := 2` leaves x `any`; `else := 2 if { abs(x) > 1 }`
                // keeps it a number), and a default clause's `_` is `any`, as in OPA.
                clauseLoop: for c in clauses {
                    var env: [String: TypeDecl] = [:]
                    var ignored: [EngineError] = []
                    failedCalls = 0
                    let result = walk(c.rule, module: c.module, env: &env, errors: &ignored)
                    if failedCalls > 0 { sigs = []; break }
                    sigs.append(Signature(args: argTypes(c.rule.head.args ?? [], env), result: result))
                    for b in c.rule.elseChain {
                        var elseEnv: [String: TypeDecl] = [:]
                        body(b.body, c.module, &elseEnv, &ignored)
                        term(b.value, c.module, &elseEnv, &ignored)
                        if failedCalls > 0 { sigs = []; break clauseLoop }
                        sigs.append(Signature(args: argTypes(b.args ?? c.rule.head.args ?? [], elseEnv),
                                              result: type(b.value, elseEnv, c.module)))
                    }
                }
                if let n = sigs.first?.args.count, sigs.allSatisfy({ $0.args.count == n }) {
                    out = Signature(args: (0..<n).map { i in union(sigs.map { $0.args[i] }) },
                                    result: union(sigs.map(\.result)))
                }
            }
            signatures[key] = .some(out)
            return out
        }

        /// Walks a rule's body and head; returns the head value's type.
        @discardableResult
        mutating func walk(_ rule: Rule, module: Int, env: inout [String: TypeDecl], errors: inout [EngineError]) -> TypeDecl {
            // Not restored: the caller walks the rule's else bodies next (nested inferences,
            // `signature` and `ruleValueType`, save and restore it).
            locals = ASTWalk.localNames(in: rule)
            body(rule.body, module, &env, &errors)
            var result: TypeDecl = .boolean
            if let v = rule.head.value {
                term(v, module, &env, &errors)
                result = type(v, env, module)
            }
            if let k = rule.head.key { term(k, module, &env, &errors) }
            return result
        }

        mutating func body(_ b: Body, _ m: Int, _ env: inout [String: TypeDecl], _ errors: inout [EngineError]) {
            for e in b { expr(e, m, &env, &errors) }
        }

        mutating func expr(_ e: Expr, _ m: Int, _ env: inout [String: TypeDecl], _ errors: inout [EngineError]) {
            let savedWith = underWith
            defer { underWith = savedWith }
            if RefTypeCheck.replacesData(e) { underWith = true }
            switch e.kind {
            case .term(let t): term(t, m, &env, &errors)
            case .call(let c): call(c, exprLevel: true, m, &env, &errors)
            case .some(.vars(let ts)):
                for t in ts { if case .variable(let n) = t.value { env[n] = nil } }
            case .some(.membership(let k, let v, let coll)):
                term(coll, m, &env, &errors)
                let collType = type(coll, env, m)
                for t in [k, v].compactMap({ $0 }) {
                    if case .variable(let n) = t.value { env[n] = nil }
                }
                // `some x in [1, 2]`: x is a number; `some k, v in {"a": 1}`: k a string.
                if let value = v ?? k, let t = RefTypeCheck.memberType(collType) { assignPattern(value, t, &env) }
                if v != nil, let k, let t = RefTypeCheck.keyType(collType) { assignPattern(k, t, &env) }
                for t in [k, v].compactMap({ $0 }) { markBound(t, &env) }
            case .every(let ev):
                term(ev.collection, m, &env, &errors)
                var inner = env
                for t in [ev.key, ev.value].compactMap({ $0 }) {
                    if case .variable(let n) = t.value { inner[n] = nil }
                    markBound(t, &inner)
                }
                body(ev.body, m, &inner, &errors)
            case .logical(let l):
                var lhs = env, rhs = env
                body(l.lhs, m, &lhs, &errors)
                body(l.rhs, m, &rhs, &errors)
            case .notBody(let b):
                var inner = env
                body(b, m, &inner, &errors)
            }
            for w in e.with { term(w.value, m, &env, &errors) }
        }

        mutating func term(_ t: Term, _ m: Int, _ env: inout [String: TypeDecl], _ errors: inout [EngineError]) {
            switch t.value {
            case .scalar, .variable: break
            case .ref(let r):
                if r.headVariable == nil { term(r.head, m, &env, &errors) }
                for (i, p) in r.parts.enumerated() {
                    guard case .bracket(let b) = p else { continue }
                    term(b, m, &env, &errors)
                    // A fresh variable key is bound by the lookup to the collection's key type
                    // (`[1, 2][k]`, `{1, 2}[k]`: number; `{"a": 1}[k]`: string), when known.
                    if case .variable(let v) = b.value, !v.hasPrefix("$"), v != "_", env[v] == nil {
                        let prefix = i == 0 ? r.head : Term(.ref(Ref(head: r.head, parts: Array(r.parts[..<i]))), location: t.location)
                        if let k = RefTypeCheck.keyType(type(prefix, env, m)) { env[v] = k }
                    }
                    markBound(b, &env)
                }
            case .array(let xs), .set(let xs): for x in xs { term(x, m, &env, &errors) }
            case .object(let items): for i in items { term(i.key, m, &env, &errors); term(i.value, m, &env, &errors) }
            case .arrayComprehension(let h, let b), .setComprehension(let h, let b):
                var inner = env
                body(b, m, &inner, &errors)
                term(h, m, &inner, &errors)
            case .objectComprehension(let k, let v, let b):
                var inner = env
                body(b, m, &inner, &errors)
                term(k, m, &inner, &errors)
                term(v, m, &inner, &errors)
            case .call(let c): call(c, exprLevel: false, m, &env, &errors)
            case .template(let ts):
                for p in ts.parts { if case .expr(let e) = p { expr(e, m, &env, &errors) } }
            }
        }

        mutating func call(_ c: Call, exprLevel: Bool, _ m: Int, _ env: inout [String: TypeDecl], _ errors: inout [EngineError]) {
            for a in c.args { term(a, m, &env, &errors) }
            switch c.infix {
            case .assign:
                if c.args.count == 2 { assignPattern(c.args[0], type(c.args[1], env, m), &env) }
                return
            case .unify, .equal:
                guard c.args.count == 2 else { return }
                if c.infix == .unify {
                    // `[[a, b], [_, c]] = [[[1, 2], [3, 4]]][_]`: array patterns take the
                    // matching elements' types (a, b, c are numbers).
                    let (l, r) = (type(c.args[0], env, m), type(c.args[1], env, m))
                    unifyPattern(c.args[0], r, &env)
                    unifyPattern(c.args[1], l, &env)
                    markBound(c.args[0], &env); markBound(c.args[1], &env)
                } else {
                    bindUntyped(c.args[0], type(c.args[1], env, m), &env)
                    bindUntyped(c.args[1], type(c.args[0], env, m), &env)
                }
                return
            default: break
            }
            switch callee(c, m) {
            case .builtin(let name, let decl?):
                guard decl.variadic == nil else { return }
                let k = decl.args.count
                if c.args.count == k || (exprLevel && c.args.count == k + 1) {
                    let have = c.args.map { type($0, env, m) }
                    // An expression-level call's output argument must fit the result too.
                    let outputBad = c.args.count == k + 1 && decl.result.map { !have[k].fits($0) } ?? false
                    let argBad = c.args.prefix(k).enumerated().contains { i, a in
                        !BuiltinTypeCheck.termFits(a, decl.args[i]) { type($0, env, m) }
                    }
                    if outputBad || argBad {
                        // (A query's builtin calls are QueryCallCheck's.)
                        guard !isQuery(m) else { return }
                        failedCalls += 1
                        // (When literal arguments alone fail, BuiltinTypeCheck reports it too,
                        // with every variable `???`; StaticChecks keeps this one, which has
                        // the variables' types: `a0 == 1; a0 + "1"` is `have: (number, …)`.)
                        errors.append(EngineError(
                            .typeError,
                            "\(name): invalid argument(s)\n\thave: \(haveList(c, have, exprLevel: exprLevel, env))\n\twant: \(BuiltinTypeCheck.wantList(decl))",
                            location: c.location))
                        return
                    }
                }
                for (i, a) in c.args.prefix(decl.args.count).enumerated() { bindUntyped(a, decl.args[i], &env, asArgument: true) }
                if exprLevel, c.args.count == decl.args.count + 1, let r = decl.result { bindUntyped(c.args[decl.args.count], r, &env) }
            case .user(let path, let arity):
                guard let sig = signature(path), sig.args.count == arity else { return }
                guard c.args.count == arity || (exprLevel && c.args.count == arity + 1) else { return }
                let have = c.args.map { type($0, env, m) }
                if c.args.prefix(arity).enumerated().contains(where: { i, a in
                    !BuiltinTypeCheck.termFits(a, sig.args[i]) { type($0, env, m) }
                }) {
                    failedCalls += 1
                    let want = (sig.args + [sig.result]).map(\.description).joined(separator: ", ")
                    errors.append(EngineError(
                        .typeError,
                        "\(RuleIndex.display(path)): invalid argument(s)\n\thave: \(haveList(c, have, exprLevel: exprLevel && !(c.args.count == arity && capturedCalls.contains(c.location)), env))\n\twant: (\(want))",
                        location: c.location))
                    return
                }
                for (i, a) in c.args.prefix(arity).enumerated() { bindUntyped(a, sig.args[i], &env, asArgument: true) }
                if exprLevel, c.args.count == arity + 1 { bindUntyped(c.args[arity], sig.result, &env) }
            default: break
            }
        }

        /// A query (`QueryTypes`) is walked as module index `resolvers.count`: it names rules
        /// and functions by their full `data` path only.
        func isQuery(_ m: Int) -> Bool { m >= resolvers.count }

        mutating func callee(_ c: Call, _ m: Int) -> NameResolver.Callee {
            guard isQuery(m) else { return resolvers[m].callee(c) }
            if c.function.headVariable == "data", c.function.isGroundPath {
                let path = c.function.parts.compactMap(\.stringKey)
                if let sig = signature(path) { return .user(path, arity: sig.args.count) }
            }
            return .builtin(c.name, BuiltinDeclarations.lookup(c.name))
        }

        /// `(string, ???)`: the arguments' types (an unbound variable is `???`, a bound one of
        /// unknown type `any`), plus the unknown output of a call term.
        func haveList(_ c: Call, _ have: [TypeDecl], exprLevel: Bool, _ env: [String: TypeDecl]) -> String {
            var parts = zip(c.args, have).map { a, t -> String in
                // (A package rule's bare name has its document's type.)
                if case .variable(let v) = a.value, env[v] == nil, case .any = t { return "???" }
                return t.description
            }
            if !exprLevel { parts.append("???") }
            return "(" + parts.joined(separator: ", ") + ")"
        }

        /// The clauses' types united, unions flattened (`any<string, any<string, array[any]>>` is
        /// `any<string, array[any]>`); `any` absorbs everything.
        func union(_ ts: [TypeDecl]) -> TypeDecl {
            var flat: [TypeDecl] = []
            for t in ts {
                switch t {
                case .any: return .any
                case .anyOf(let members): flat += members
                default: flat.append(t)
                }
            }
            return BuiltinTypeCheck.union(flat)
        }

        /// `x := …` / `[a, b] := …`: each variable of the pattern takes the matching part's type.
        func assignPattern(_ p: Term, _ t: TypeDecl, _ env: inout [String: TypeDecl]) {
            switch (p.value, t) {
            case (.variable(let v), _): if !v.hasPrefix("$") && v != "_" { env[v] = t }
            case (.array(let xs), _):
                guard let ts = Self.elementTypes(t, count: xs.count) else { markBound(p, &env); return }
                for (x, u) in zip(xs, ts) { assignPattern(x, u, &env) }
            default: markBound(p, &env)
            }
        }

        /// `=`: the untyped variables of an array pattern take the matching parts' types.
        func unifyPattern(_ p: Term, _ t: TypeDecl, _ env: inout [String: TypeDecl]) {
            switch p.value {
            case .variable: bindUntyped(p, t, &env)
            case .array(let xs):
                guard let ts = Self.elementTypes(t, count: xs.count) else { return }
                for (x, u) in zip(xs, ts) { unifyPattern(x, u, &env) }
            default: break
            }
        }

        /// The element types an array pattern of `count` items takes from a value of type `t`:
        /// a tuple of that length, an array's element type, or, from a union, the members that
        /// fit united position by position (`[x, y] := p` with p `any<array<number, number>,
        /// array<string>>` makes x and y numbers, as OPA's checker does).
        static func elementTypes(_ t: TypeDecl, count: Int) -> [TypeDecl]? {
            switch t {
            case .tuple(let items, nil): return items.count == count ? items : nil
            case .array(let e): return Array(repeating: e, count: count)
            case .anyOf(let members):
                let fitting = members.compactMap { elementTypes($0, count: count) }
                guard !fitting.isEmpty else { return nil }
                return (0..<count).map { i in BuiltinTypeCheck.union(fitting.map { $0[i] }) }
            default: return nil
            }
        }

        /// Variables bound by a pattern this walk does not type: `any` from here on, never
        /// refined (OPA gives them the type of what they matched, unknown here).
        func markBound(_ t: Term, _ env: inout [String: TypeDecl]) {
            switch t.value {
            case .variable(let v): if env[v] == nil { env[v] = .any }
            case .array(let xs): for x in xs { markBound(x, &env) }
            case .object(let items): for i in items { markBound(i.value, &env) }
            default: break
            }
        }

        /// A variable without a type takes `t` (OPA's unify with an unknown variable). Passed
        /// as an argument, it takes even `any` (`x != 0` or `is_number(x)` first: x is `any`
        /// from then on, so a later `count(x)` does not narrow it); beside `=`/`==`, `any` is
        /// the other side's unknown type and leaves it open.
        func bindUntyped(_ a: Term, _ t: TypeDecl, _ env: inout [String: TypeDecl], asArgument: Bool = false) {
            guard case .variable(let v) = a.value, !v.hasPrefix("$"), v != "_", env[v] == nil else { return }
            if case .any = t, !asArgument { return }
            env[v] = t
        }

        /// The static type of a term, with local variables' types.
        mutating func type(_ t: Term, _ env: [String: TypeDecl], _ module: Int? = nil) -> TypeDecl {
            switch t.value {
            case .variable(let v):
                // A package rule's bare name is its document.
                return env[v] ?? refType(Ref(head: t, parts: []), env, module)
            case .array(let xs): return xs.isEmpty ? .array(.any) : .tuple(xs.map { type($0, env, module) }, rest: nil)
            case .set(let xs): return .set(BuiltinTypeCheck.union(xs.map { type($0, env, module) }))
            case .object(let items): return BuiltinTypeCheck.objectLiteralType(items) { type($0, env, module) }
            case .ref(let r):
                return refType(r, env, module)
            case .call(let c):
                // A user function's call has its inferred result; a builtin's its declared one.
                if let m = module, case .user(let path, _) = callee(c, m), let sig = signature(path) { return sig.result }
                return BuiltinTypeCheck.staticType(t)
            // Comprehensions: variables bound here are outer ones, the others may be bound by
            // the body's lookups.
            case .arrayComprehension(let h, let b): return .array(BuiltinTypeCheck.comprehensionType(h, b, outer: Set(env.keys)))
            case .setComprehension(let h, let b): return .set(BuiltinTypeCheck.comprehensionType(h, b, outer: Set(env.keys)))
            case .objectComprehension(let k, let v, let b):
                return .object(BuiltinTypeCheck.comprehensionType(k, b, outer: Set(env.keys)),
                               BuiltinTypeCheck.comprehensionType(v, b, outer: Set(env.keys)))
            default: return BuiltinTypeCheck.staticType(t)
            }
        }
    }
}
