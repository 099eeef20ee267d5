/// The regex builtins, on RE2 (Go's regexp syntax, linear time) with compiled patterns cached
/// across evaluations (Support/Regex.swift), or compiled per call site at plan build time
/// (Support/RegexTable.swift). regex.globs_match is in RegexBuiltins+Globs.swift.
enum RegexBuiltins {
    static let builtins: [Builtin] = [
        patternBuiltin("regex.match", arity: 2, pattern: 0) { args, t in try match(args, t) },
        patternBuiltin("re_match", arity: 2, pattern: 0) { args, t in try match(args, t) },
        patternBuiltin("regex.is_valid", arity: 1, pattern: 0) { args, t in
            guard case .string(let p) = args[0] else { return .false }
            if let t, t.lookup(p) != nil { return .true }
            return .bool((try? RegexCache.get(p)) != nil)
        },
        patternBuiltin("regex.split", arity: 2, pattern: 0) { args, t in
            let p = try args.string(0), s = try args.string(1)
            return .array(try RegexTable.regex(t, p).split(s).map { .string($0) })
        },
        patternBuiltin("regex.find_n", arity: 3, pattern: 0) { args, t in
            let p = try args.string(0), s = try args.string(1), n = try args.int(2)
            let re = try RegexTable.regex(t, p)
            let bytes = Array(s.utf8)
            return .array(re.findAll(s, limit: n).map { .string(bytes: bytes[$0[0]..<$0[1]]) })
        },
        patternBuiltin("regex.find_all_string_submatch_n", arity: 3, pattern: 0) { args, t in
            let p = try args.string(0), s = try args.string(1), n = try args.int(2)
            let re = try RegexTable.regex(t, p)
            let bytes = Array(s.utf8)
            return .array(re.findAll(s, limit: n).map { m in
                .array(stride(from: 0, to: m.count, by: 2).map { i in
                    m[i] < 0 ? .string("") : .string(bytes: bytes[m[i]..<m[i + 1]])
                })
            })
        },
        patternBuiltin("regex.replace", arity: 3, pattern: 1) { args, t in
            let s = try args.string(0), p = try args.string(1), repl = try args.string(2)
            return .string(try RegexTable.regex(t, p).replaceAll(s, template: repl))
        },
        Builtin("regex.template_match", arity: 4) { args, _ in
            let tpl = try args.string(0), s = try args.string(1)
            let start = try args.string(2), end = try args.string(3)
            let pattern = try templatePattern(tpl, start: start, end: end)
            return .bool(try RegexCache.builtinGet(pattern).matches(s))
        },
        Builtin("regex.globs_match", arity: 2) { args, _ in
            let a = try args.string(0), b = try args.string(1)
            return .bool(try GlobIntersection.intersects(a, b))
        },
    ]

    /// A builtin whose argument `pattern` is a regex. The general implementation finds
    /// compiled patterns in the shared cache; a call site whose pattern the compiler can see
    /// (a constant, or the strings of a constant collection it iterates over) gets them
    /// compiled once, when the plan is built (`RegexTable`).
    static func patternBuiltin(_ name: String, arity: Int, pattern: Int,
                               _ body: @escaping @Sendable (Arguments, RegexTable?) throws -> Value?) -> Builtin {
        Builtin(name, arity: arity, specialize: { site in
            guard pattern < site.candidates.count, let table = RegexTable(site.candidates[pattern]) else { return nil }
            return Builtin.Specialization { args, _ in try body(args, table) }
        }) { args, _ in try body(args, nil) }
    }

    static func match(_ args: Arguments, _ table: RegexTable?) throws -> Value {
        let p = try args.string(0), s = try args.string(1)
        return .bool(try RegexTable.regex(table, p).matches(s))
    }

    /// Turns `urn:{[a-z]+}:x` into `^urn:([a-z]+):x$`: text outside the delimiters is literal.
    static func templatePattern(_ tpl: String, start: String, end: String) throws -> String {
        let su = Array(start.utf8), eu = Array(end.utf8)
        guard su.count == 1 else {
            throw BuiltinError(.builtin, "start delimiter has to be exactly one character long but is \(su.count) long")
        }
        guard eu.count == 1 else {
            throw BuiltinError(.builtin, "end delimiter has to be exactly one character long but is \(su.count) long")  // sic: OPA prints the start's length
        }
        let b = Array(tpl.utf8)
        var level = 0, idx = 0
        var idxs: [Int] = []
        for i in 0..<b.count {
            if b[i] == su[0] {
                level += 1
                if level == 1 { idx = i }
            } else if b[i] == eu[0] {
                level -= 1
                if level == 0 { idxs += [idx, i + 1] } else if level < 0 {
                    throw BuiltinError(.builtin, "unbalanced braces in \(GoQuote.quote(tpl))")
                }
            }
        }
        if level != 0 { throw BuiltinError(.builtin, "unbalanced braces in \(GoQuote.quote(tpl))") }
        var pattern = "^"
        var endPos = 0
        var i = 0
        while i < idxs.count {
            let raw = String(decoding: b[endPos..<idxs[i]], as: UTF8.self)
            endPos = idxs[i + 1]
            let inner = String(decoding: b[(idxs[i] + 1)..<(endPos - 1)], as: UTF8.self)
            pattern += quoteMeta(raw) + "(" + inner + ")"
            i += 2
        }
        pattern += quoteMeta(String(decoding: b[endPos...], as: UTF8.self)) + "$"
        return pattern
    }

    /// Go's regexp.QuoteMeta.
    static func quoteMeta(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            if "\\.+*?()|[]{}^$".unicodeScalars.contains(c) { out.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out
    }
}
