/// A compiled glob in the syntax OPA's glob.match uses (gobwas/glob): `*` any run of
/// non-delimiter runes, `**` any run, `?` one non-delimiter rune, `[abc]`, `[a-z]`, `[!…]`,
/// `{alt1,alt2}` alternatives and `\` escapes.
final class Glob: @unchecked Sendable {
    indirect enum Node {
        case literal(Unicode.Scalar)
        case single                 // ?
        case star                   // *
        case superStar              // **
        case set([ClosedRange<UInt32>], negated: Bool)
        case alternatives([[Node]])
    }

    struct SyntaxError: Error { let message: String }

    let nodes: [Node]
    let delimiters: Set<Unicode.Scalar>
    /// gobwas compiles `text**text` to a prefix-and-suffix test, which lets the two overlap
    /// (`a/**/b` matches `a/b`); kept here as the UTF-8 of both texts.
    let prefixSuffix: ([UInt8], [UInt8])?

    init(_ pattern: String, delimiters: [Unicode.Scalar]) throws(SyntaxError) {
        var p = Parser(runes: Array(pattern.unicodeScalars))
        nodes = try p.parseSequence(inAlternative: false)
        self.delimiters = Set(delimiters)
        prefixSuffix = Glob.prefixSuffixShape(nodes)
    }

    static func prefixSuffixShape(_ nodes: [Node]) -> ([UInt8], [UInt8])? {
        var prefix = "", suffix = "", seenSuper = false
        for n in nodes {
            switch n {
            case .literal(let c): if seenSuper { suffix.unicodeScalars.append(c) } else { prefix.unicodeScalars.append(c) }
            case .superStar where !seenSuper: seenSuper = true
            default: return nil
            }
        }
        guard seenSuper, !prefix.isEmpty, !suffix.isEmpty else { return nil }
        return (Array(prefix.utf8), Array(suffix.utf8))
    }

    func matches(_ s: String) -> Bool {
        if let (prefix, suffix) = prefixSuffix {
            let b = Array(s.utf8)
            return b.starts(with: prefix) && b.reversed().starts(with: suffix.reversed())
        }
        let r = Array(s.unicodeScalars)
        if r.isEmpty, let whole = Glob.emptyMatchByOneRuneMatcher(nodes, delimiters) { return whole }
        return match(nodes[...], r, 0) { $0 == r.count }
    }

    /// gobwas's one-rune matchers (`?`, `[…]`), compiled as a whole pattern or as a top-level
    /// alternative, test the empty string's "first rune" (U+FFFD, width 0) instead of failing:
    /// `?` and `[!a]` match "". nil when the pattern is not of that shape.
    static func emptyMatchByOneRuneMatcher(_ nodes: [Node], _ delimiters: Set<Unicode.Scalar>) -> Bool? {
        guard nodes.count == 1 else { return nil }
        switch nodes[0] {
        case .single: return !delimiters.contains("\u{FFFD}")
        case .set(let ranges, let negated): return ranges.contains { $0.contains(0xFFFD) } != negated
        case .alternatives(let alts):
            return alts.contains { alt in emptyMatchByOneRuneMatcher(alt, delimiters) ?? alt.allSatisfy { n in
                if case .star = n { return true }
                if case .superStar = n { return true }
                return false
            } }
        default: return nil
        }
    }

    /// Backtracking match of `nodes` against `r` from `i`; `rest` is the continuation.
    private func match(_ nodes: ArraySlice<Node>, _ r: [Unicode.Scalar], _ i: Int, _ rest: (Int) -> Bool) -> Bool {
        guard let first = nodes.first else { return rest(i) }
        let tail = nodes.dropFirst()
        switch first {
        case .literal(let c):
            return i < r.count && r[i] == c && match(tail, r, i + 1, rest)
        case .single:
            return i < r.count && !delimiters.contains(r[i]) && match(tail, r, i + 1, rest)
        case .set(let ranges, let negated):
            guard i < r.count else { return false }
            let v = r[i].value
            let inSet = ranges.contains { $0.contains(v) }
            return inSet != negated && match(tail, r, i + 1, rest)
        case .star, .superStar:
            var j = i
            while true {
                if match(tail, r, j, rest) { return true }
                if j >= r.count { return false }
                if case .star = first, delimiters.contains(r[j]) { return false }
                j += 1
            }
        case .alternatives(let alts):
            for alt in alts where match(alt[...], r, i, { match(tail, r, $0, rest) }) { return true }
            return false
        }
    }

    struct Parser {
        let runes: [Unicode.Scalar]
        var i = 0

        mutating func parseSequence(inAlternative: Bool) throws(SyntaxError) -> [Node] {
            var out: [Node] = []
            while i < runes.count {
                let c = runes[i]
                if inAlternative && (c == "," || c == "}") { return out }
                i += 1
                switch c {
                case "*":
                    if i < runes.count && runes[i] == "*" { i += 1; out.append(.superStar) } else { out.append(.star) }
                case "?": out.append(.single)
                case "\\":
                    // A trailing backslash escapes nothing and is dropped (`a\` matches "a").
                    guard i < runes.count else { continue }
                    out.append(.literal(runes[i])); i += 1
                case "[": out.append(try parseSet())
                case "{":
                    var alts: [[Node]] = []
                    while true {
                        alts.append(try parseSequence(inAlternative: true))
                        guard i < runes.count else {
                            // An unterminated `{` still matches its alternatives (gobwas' lexer).
                            out.append(.alternatives(alts)); return out
                        }
                        let sep = runes[i]; i += 1
                        if sep == "}" { break }
                    }
                    out.append(.alternatives(alts))
                default: out.append(.literal(c))
                }
            }
            return out
        }

        mutating func parseSet() throws(SyntaxError) -> Node {
            var negated = false
            if i < runes.count && runes[i] == "!" { negated = true; i += 1 }
            var ranges: [ClosedRange<UInt32>] = []
            while true {
                guard i < runes.count else { throw SyntaxError(message: "unexpected end of input") }
                let c = runes[i]
                if c == "]" {
                    i += 1
                    if ranges.isEmpty { throw SyntaxError(message: "could not parse range") }
                    return .set(ranges, negated: negated)
                }
                i += 1
                if i + 1 < runes.count && runes[i] == "-" && runes[i + 1] != "]" {
                    let hi = runes[i + 1]
                    i += 2
                    guard c.value <= hi.value else { throw SyntaxError(message: "could not parse range") }
                    ranges.append(c.value...hi.value)
                } else if i < runes.count && runes[i] == "-" {
                    throw SyntaxError(message: "unexpected end of input")
                } else {
                    ranges.append(c.value...c.value)
                }
            }
        }
    }
}

/// Compiled globs keyed by pattern and delimiters, bounded like the regex cache.
enum GlobCache {
    private static let lock = Lock()
    nonisolated(unsafe) private static var table: [Value: Glob] = [:]
    static let capacity = 512

    static func get(_ pattern: String, _ delimiters: [Unicode.Scalar]) throws -> Glob {
        let key: Value = [.string(pattern), .string(String(String.UnicodeScalarView(delimiters)))]
        if let g = lock.withLock({ table[key] }) { return g }
        let g: Glob
        do { g = try Glob(pattern, delimiters: delimiters) } catch { throw BuiltinError(.builtin, error.message) }
        lock.withLock {
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[key] = g
        }
        return g
    }
}
