// Expressions: negation, `with`, calls, `some … in`, `every`, print.

extension Evaluator {
    func evalExpr(_ e: PExpr, _ k: () throws -> Void) throws {
        try step()
        try evalExprStepped(e, k)
    }

    /// `evalExpr` once the step is counted.
    func evalExprStepped(_ e: PExpr, _ k: () throws -> Void) throws {
        if e.withs.isEmpty {
            if e.negated {
                if try !exprSucceeds(e) { try k() }
                return
            }
            return try evalPlain(e, k)
        }
        // `with` applies to this expression only: the continuation runs with the outer state.
        // The states are exchanged in place (never copied), so the memo table in effect always
        // has one owner and storing into it never copies it.
        var other = try applyWiths(e.withs, e.location)
        exchangeState(&other)
        if e.negated {
            let ok: Bool
            do { ok = try !exprSucceeds(e) } catch {
                leaveWith(&other)
                throw error
            }
            leaveWith(&other)
            if ok { try k() }
            return
        }
        do {
            try evalPlain(e) {
                exchangeState(&other)
                defer { exchangeState(&other) }
                try k()
            }
        } catch {
            leaveWith(&other)
            throw error
        }
        leaveWith(&other)
    }

    private func exprSucceeds(_ e: PExpr) throws -> Bool {
        do {
            try evalPlain(e) { throw Evaluator.stop }
        } catch let e where Evaluator.isStop(e) {
            return true
        }
        return false
    }

    private func evalPlain(_ e: PExpr, _ k: () throws -> Void) throws {
        switch e.kind {
        case .term(let t):
            try evalTerm(t) { v in
                if case .bool(false) = v { return }
                try k()
            }
        case .unify(let a, let b):
            try unify(a, b, k)
        case .call(let call, let output):
            try evalCall(call) { v in
                if let out = output {
                    try unifyValue(out, v, k)
                } else {
                    if case .bool(false) = v { return }
                    try k()
                }
            }
        case .print(let args):
            var parts: [String] = []
            for a in args {
                var vals: [String] = []
                try evalTerm(a) { v in
                    if case .string(let s) = v { vals.append(s) } else { vals.append(RegoFormatter.format(v)) }
                }
                parts.append(vals.isEmpty ? "<undefined>" : vals.joined(separator: " "))
            }
            ctx.printSink?(parts.joined(separator: " "))
            try k()
        case .someIn(let key, let value, let coll):
            try evalTerm(coll) { c in
                try forEachEntry(c) { kv, vv in
                    if let key {
                        try unifyValue(key, kv) { try unifyValue(value, vv, k) }
                    } else {
                        try unifyValue(value, vv, k)
                    }
                }
            }
        case .every(let key, let value, let coll, let body, _):
            // Each value of the domain is its own `every` (`every x in data.u[_].roles` holds
            // for the users whose roles all pass, as OPA evaluates the domain first).
            try evalTerm(coll) { c in
                switch c {
                case .array, .object, .set: break
                default: return
                }
                var all = true
                try forEachEntry(c) { kv, vv in
                    guard all else { return }
                    var ok = false
                    let run = { [self] in ok = try bodySucceeds(body) }
                    if let key {
                        try unifyValue(key, kv) { try unifyValue(value, vv) { try run() } }
                    } else {
                        try unifyValue(value, vv) { try run() }
                    }
                    if !ok { all = false }
                }
                if all { try k() }
            }
        case .logical(let isAnd, let lhs, let rhs):
            if isAnd {
                try evalBody(lhs, 0) { try evalBody(rhs, 0, k) }
            } else {
                // `or` short-circuits: the right side runs only when the left has no solution.
                var any = false
                try evalBody(lhs, 0) { any = true; try k() }
                if !any { try evalBody(rhs, 0, k) }
            }
        case .notBody(let body, _):
            if try !bodySucceeds(body) { try k() }
        case .noop:
            try k()
        }
    }

    // MARK: with

    struct WithState {
        var input: Value?
        var overlays: [([Value], Value)]
        var replacements: [String: EvalReplacement]
        var memo: MemoTable
    }

    private func applyWiths(_ withs: [PWith], _ loc: SourceLocation) throws -> WithState {
        for w in withs {
            switch w.target {
            case .input(let path), .data(let path):
                // A document path is made of object keys: `with input.xs[0] as …` fails (OPA).
                for key in path { guard case .string = key else { throw EngineError(.evalConflictError, "bad document path", location: loc) } }
            case .function: break
            }
        }
        var st = WithState(input: input, overlays: dataOverlays, replacements: replacements, memo: spareMemos.popLast() ?? MemoTable())
        for w in withs {
            var val: Value?
            var target: CallTarget?
            switch w.value {
            case .value(let t):
                try evalTerm(t) { v in if val == nil { val = v } }
            case .target(let t):
                target = t
            }
            switch w.target {
            case .input(let path):
                guard let v = val else { continue }
                st.input = path.isEmpty ? v : Evaluator.upsert(st.input ?? .emptyObject, path, 0, v)
            case .data(let path):
                guard let v = val else { continue }
                st.overlays.append((path, v))
            case .function(let name):
                if let t = target { st.replacements[name] = .target(t) } else if let v = val { st.replacements[name] = .value(v) }
            }
        }
        return st
    }

    /// Exchanges the evaluator's `with`-dependent state with `st`.
    @inline(__always)
    func exchangeState(_ st: inout WithState) {
        swap(&input, &st.input)
        swap(&dataOverlays, &st.overlays)
        swap(&replacements, &st.replacements)
        swap(&memo, &st.memo)
    }

    /// Ends a `with` scope entered by `exchangeState(&st)`: restores the outer state and keeps
    /// the scope's memo table (cleared) for the next `with`. A fresh table per `with` cost a
    /// table as large as the plan's highest node id, allocated, filled and destroyed each time
    /// (most of the time of a bundle's `test_*` rules, which all use `with input as`).
    private func leaveWith(_ st: inout WithState) {
        exchangeState(&st)
        st.memo.reset()
        if spareMemos.count < 8 { spareMemos.append(st.memo) }
        st.memo = MemoTable()
    }

    /// `doc` with `path[i...]` set to `v` (creating objects on the way).
    static func upsert(_ doc: Value, _ path: [Value], _ i: Int, _ v: Value) -> Value {
        if i == path.count { return v }
        let obj: ObjectValue
        if case .object(let o) = doc { obj = o } else { obj = ObjectValue() }
        let child = obj[path[i]] ?? .emptyObject
        return .object(obj.inserting(path[i], upsert(child, path, i + 1, v)))
    }

    // MARK: calls

    func evalCall(_ call: PCall, _ k: (Value) throws -> Void) throws {
        if call.isWalk && replacements.isEmpty {
            return try evalTerm(call.args[0]) { root in
                var path: [Value] = []
                try Evaluator.walkValue(root, &path, k)
            }
        }
        try evalList(call.args) { args in
            if let r = try invoke(call, Arguments(args)) { try k(r) }
        }
    }

    /// Every (path, value) pair of `v`, pre-order, as `walk` yields them.
    static func walkValue(_ v: Value, _ path: inout [Value], _ k: (Value) throws -> Void) throws {
        try k(.array([.array(path), v]))
        switch v {
        case .object(let o):
            for (key, child) in o.pairs {
                path.append(key)
                try walkValue(child, &path, k)
                path.removeLast()
            }
        case .array(let a):
            for (i, child) in a.enumerated() {
                path.append(.int(i))
                try walkValue(child, &path, k)
                path.removeLast()
            }
        case .set(let s):
            for e in s.elements {
                path.append(e)
                try walkValue(e, &path, k)
                path.removeLast()
            }
        default: break
        }
    }

    func invoke(_ call: PCall, _ args: Arguments) throws -> Value? {
        if !replacements.isEmpty {
            let key: String
            switch call.target {
            case .builtin(let b): key = b.name
            case .function(let node): key = node.dottedPath
            }
            if let r = replacements[key] {
                switch r {
                case .value(let v): return v
                case .target(let t):
                    // Inside a replacement no mock applies (as in OPA): the replaced function
                    // and every other mocked one mean their originals.
                    let saved = replacements
                    replacements = [:]
                    defer { replacements = saved }
                    switch t {
                    case .builtin(let b): return try callBuiltin(b, b.implementation, args, call.location)
                    case .function(let node): return try callFunction(node, args, call.location)
                    }
                }
            }
        }
        if call.isBuiltin {
            // The implementation is kept on the call (no copy of the `Builtin`).
            let impl = call.implementation
            if call.isDeterministic {
                do {
                    // `ctx` lent rather than retained around the call: the evaluator holds it
                    // for the whole evaluation and builtins cannot replace it.
                    return try Unmanaged.passUnretained(ctx)._withUnsafeGuaranteedRef { try impl(args, $0) }
                } catch let e as BuiltinError {
                    guard case .builtin(let b) = call.target else { throw e }
                    return try builtinFailed(b, e, call.location)
                }
            }
            guard case .builtin(let b) = call.target else { return nil }
            return try callBuiltin(b, impl, args, call.location)
        }
        switch call.target {
        case .builtin(let b):
            return try callBuiltin(b, b.implementation, args, call.location)
        case .function(let node):
            return try callFunction(node, args, call.location)
        }
    }

    /// A builtin's error: an evaluation error in strict mode or when it halts, else undefined
    /// (as in OPA).
    func builtinFailed(_ b: Builtin, _ e: BuiltinError, _ loc: SourceLocation) throws -> Value? {
        if let code = e.code { throw EngineError(code, e.message, location: loc) }
        if ctx.strictBuiltinErrors || e.halts {
            throw EngineError(e.kind == .type ? .evalTypeError : .evalBuiltinError, "\(b.name): \(e.message)", location: loc)
        }
        return nil
    }

    /// Calls `impl` (`b`'s implementation, possibly specialised for the call site).
    func callBuiltin(_ b: Builtin, _ impl: Builtin.Implementation, _ args: Arguments, _ loc: SourceLocation) throws -> Value? {
        do {
            if b.isDeterministic {
                return try impl(args, ctx)
            }
            return try ctx.memo(.array([.string(b.name), .array(args.values)])) {
                try impl(args, ctx)
            }
        } catch let e as BuiltinError {
            return try builtinFailed(b, e, loc)
        }
    }
}
