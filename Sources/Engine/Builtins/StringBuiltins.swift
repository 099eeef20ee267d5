/// The string builtins (concat, contains, indexof, split, trim*, upper/lower, …). Strings are
/// handled as OPA does: UTF-8 bytes for matching, runes (Unicode scalars) for indexes and counts.
/// sprintf lives in StringBuiltins+Sprintf.swift, strings.render_template in
/// StringBuiltins+Template.swift.
enum StringBuiltins {
    static let builtins: [Builtin] = [
        Builtin("concat", arity: 2) { args, _ in
            let sep = try args.string(0)
            let items = try args.arrayOrSet(1)
            var parts: [String] = []
            parts.reserveCapacity(items.count)
            for v in items {
                guard case .string(let s) = v else {
                    let kind = args[1].typeName
                    throw BuiltinError(.type, "operand 2 must be \(kind) of strings but got \(kind) containing \(v.typeName)")
                }
                parts.append(s)
            }
            return .string(parts.joined(separator: sep))
        },
        Builtin("contains", arity: 2) { args, _ in
            var s = try args.string(0), sub = try args.string(1)
            if sub.isEmpty { return .true }
            // Search the UTF-8 buffers in place: no per-call arrays on this hot path.
            return .bool(s.withUTF8 { h in sub.withUTF8 { n in Bytes.contains(h, n) } })
        },
        Builtin("startswith", arity: 2) { args, _ in
            let s = try args.string(0), p = try args.string(1)
            return .bool(s.hasBytePrefix(p))
        },
        Builtin("endswith", arity: 2) { args, _ in
            let s = try args.string(0), p = try args.string(1)
            return .bool(s.hasByteSuffix(p))
        },
        Builtin("strings.any_prefix_match", arity: 2) { args, _ in
            let ss = try args.stringCollection(0), ps = try args.stringCollection(1)
            for s in ss { for p in ps where s.hasBytePrefix(p) { return .true } }
            return .false
        },
        Builtin("strings.any_suffix_match", arity: 2) { args, _ in
            let ss = try args.stringCollection(0), ps = try args.stringCollection(1)
            for s in ss { for p in ps where s.hasByteSuffix(p) { return .true } }
            return .false
        },
        Builtin("format_int", arity: 2) { args, _ in
            let n = try args.number(0)
            let base = try args.number(1)
            // OPA matches the base's text: `16.0` is refused.
            guard base.writtenInt != nil, !base.description.contains("."), let b = base.exactInt, [2, 8, 10, 16].contains(b) else {
                throw BuiltinError(.type, "operand 2 must be one of {2, 8, 10, 16}")
            }
            // Go truncates toward zero (big.Float.Int).
            let i: BigIntText = BigIntText(n)
            return .string(i.format(radix: b))
        },
        Builtin("indexof", arity: 2) { args, _ in
            let s = try args.string(0), sub = try args.string(1)
            let h = s.runes, n = sub.runes
            if n.isEmpty { throw BuiltinError(.builtin, "empty search character") }
            if n.count > h.count { return .int(-1) }
            for i in 0...(h.count - n.count) where h[i] == n[0] {
                if h[i..<(i + n.count)].elementsEqual(n) { return .int(i) }
            }
            return .int(-1)
        },
        Builtin("indexof_n", arity: 2) { args, _ in
            let s = try args.string(0), sub = try args.string(1)
            let h = s.runes, n = sub.runes
            if n.isEmpty { throw BuiltinError(.builtin, "empty search character") }
            var out: [Value] = []
            if n.count <= h.count {
                for i in 0...(h.count - n.count) where h[i..<(i + n.count)].elementsEqual(n) {
                    out.append(.int(i))
                }
            }
            return .array(out)
        },
        Builtin("lower", arity: 1) { args, _ in
            let s = try args.string(0)
            return .string(String(runes: s.unicodeScalars.lazy.map(\.goLower)))
        },
        Builtin("upper", arity: 1) { args, _ in
            let s = try args.string(0)
            return .string(String(runes: s.unicodeScalars.lazy.map(\.goUpper)))
        },
        Builtin("replace", arity: 3) { args, _ in
            let s = try args.string(0), old = try args.string(1), new = try args.string(2)
            return .string(bytes: Bytes.replace(Array(s.utf8), Array(old.utf8), Array(new.utf8)))
        },
        Builtin("strings.replace_n", arity: 2) { args, _ in
            let patterns = try args.object(0)
            let s = try args.string(1)
            var pairs: [([UInt8], [UInt8])] = []
            for (k, v) in patterns.pairs {
                guard case .string(let ks) = k else {
                    throw BuiltinError(.type, "operand 1 non-string key found in pattern object")
                }
                guard case .string(let vs) = v else {
                    throw BuiltinError(.type, "operand 1 non-string value found in pattern object")
                }
                pairs.append((Array(ks.utf8), Array(vs.utf8)))
            }
            return .string(bytes: GoReplacer.replace(Array(s.utf8), pairs))
        },
        Builtin("split", arity: 2) { args, _ in
            let s = try args.string(0), d = try args.string(1)
            return .array(Bytes.split(Array(s.utf8), Array(d.utf8)).map { .string(bytes: $0) })
        },
        Builtin("strings.split_n", arity: 3) { args, _ in
            // All parts, then the first n (n > 0) or the last -n (n < 0), as OPA does.
            let s = try args.string(0), d = try args.string(1), n = try args.int(2)
            let parts = Bytes.split(Array(s.utf8), Array(d.utf8)).map { Value.string(bytes: $0) }
            if n >= 0 { return .array(Array(parts.prefix(n))) }
            return .array(n == .min ? parts : Array(parts.suffix(-n)))  // -Int.min overflows
        },
        Builtin("strings.count", arity: 2) { args, _ in
            let s = try args.string(0), sub = try args.string(1)
            return .int(Bytes.count(of: Array(sub.utf8), in: Array(s.utf8)))
        },
        Builtin("strings.reverse", arity: 1) { args, _ in
            .string(String(runes: try args.string(0).runes.reversed()))
        },
        Builtin("substring", arity: 3) { args, _ in
            let s = try args.string(0), start = try args.int(1), length = try args.int(2)
            if start < 0 { throw BuiltinError(.builtin, "negative offset") }
            let r = s.runes
            if start >= r.count { return .string("") }
            if length < 0 { return .string(String(runes: r[start...])) }
            let end = start + length > r.count || start + length < start ? r.count : start + length
            return .string(String(runes: r[start..<end]))
        },
        Builtin("trim", arity: 2) { args, _ in
            let s = try args.string(0), cut = try args.string(1)
            let set = Set(cut.unicodeScalars)
            return .string(trimRunes(s, left: true, right: true) { set.contains($0) })
        },
        Builtin("trim_left", arity: 2) { args, _ in
            let s = try args.string(0), cut = try args.string(1)
            let set = Set(cut.unicodeScalars)
            return .string(trimRunes(s, left: true, right: false) { set.contains($0) })
        },
        Builtin("trim_right", arity: 2) { args, _ in
            let s = try args.string(0), cut = try args.string(1)
            let set = Set(cut.unicodeScalars)
            return .string(trimRunes(s, left: false, right: true) { set.contains($0) })
        },
        Builtin("trim_space", arity: 1) { args, _ in
            .string(trimRunes(try args.string(0), left: true, right: true) { $0.goIsSpace })
        },
        Builtin("trim_prefix", arity: 2) { args, _ in
            let s = try args.string(0), p = try args.string(1)
            guard s.hasBytePrefix(p) else { return .string(s) }
            return .string(bytes: s.utf8.dropFirst(p.utf8.count))
        },
        Builtin("trim_suffix", arity: 2) { args, _ in
            let s = try args.string(0), p = try args.string(1)
            guard s.hasByteSuffix(p) else { return .string(s) }
            return .string(bytes: s.utf8.dropLast(p.utf8.count))
        },
    ] + sprintfBuiltins + templateBuiltins

    static func trimRunes(_ s: String, left: Bool, right: Bool, _ drop: (Unicode.Scalar) -> Bool) -> String {
        let r = s.unicodeScalars
        var lo = r.startIndex, hi = r.endIndex
        if left { while lo < hi && drop(r[lo]) { lo = r.index(after: lo) } }
        if right {
            while hi > lo {
                let p = r.index(before: hi)
                if !drop(r[p]) { break }
                hi = p
            }
        }
        return String(r[lo..<hi])
    }
}

/// Go's strings.NewReplacer(old1, new1, …).Replace: scans left to right; at each position the
/// first pair (in argument order) whose old string matches wins; an empty old string matches
/// everywhere (between runes) once.
enum GoReplacer {
    static func replace(_ h: [UInt8], _ pairs: [([UInt8], [UInt8])]) -> [UInt8] {
        if pairs.isEmpty { return h }
        var out: [UInt8] = []
        out.reserveCapacity(h.count)
        var i = 0
        var prevMatchEmpty = false
        while i <= h.count {
            var matched = false, matchedEmpty = false
            for (old, new) in pairs {
                if old.isEmpty {
                    // Go ignores the empty match right after one at the same position, so
                    // the next try there can match another pattern (`{"": "x", "😀": "y"}`
                    // on "😀" is "xy", not an x between the emoji's bytes).
                    if prevMatchEmpty { continue }
                    out += new
                    matched = true
                    matchedEmpty = true
                    break
                }
                if i + old.count <= h.count && h[i..<(i + old.count)].elementsEqual(old) {
                    out += new
                    i += old.count
                    matched = true
                    break
                }
            }
            prevMatchEmpty = matchedEmpty
            if matched { continue }
            if i == h.count { break }
            // One byte, as Go's generic Replacer: an empty pattern also matches inside a
            // multi-byte character (each stray byte then reads as U+FFFD).
            out.append(h[i])
            i += 1
        }
        return out
    }
}
