/// The two glob dialects bundles use, over `/`-separated paths:
/// - `.filepath`: Go's `filepath.Match`, for `exclude_files` (`*`, `?`, `[...]` with `^`, `\`).
/// - `.gobwas`: gobwas/glob with separator `/`, for manifest `file_rego_versions` (adds `**`,
///   `{a,b}` alternatives and `!` class negation).
/// In both, `*` and `?` never match `/`.
struct PathGlob: Sendable {
    enum Dialect: Sendable { case filepath, gobwas }

    private let pattern: [Unicode.Scalar]
    private let dialect: Dialect

    init(_ pattern: String, dialect: Dialect) {
        self.pattern = Array(pattern.unicodeScalars)
        self.dialect = dialect
    }

    func matches(_ path: String) -> Bool {
        match(pattern[...], Array(path.unicodeScalars)[...])
    }

    private func match(_ p: ArraySlice<Unicode.Scalar>, _ s: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let c = p.first else { return s.isEmpty }
        let rest = p.dropFirst()
        switch c {
        case "*":
            var crossesSlash = false
            var after = rest
            if dialect == .gobwas, after.first == "*" { crossesSlash = true; after = after.dropFirst() }
            var k = s.startIndex
            while true {
                if match(after, s[k...]) { return true }
                guard k < s.endIndex else { return false }
                if s[k] == "/" && !crossesSlash { return false }
                k += 1
            }
        case "?":
            guard let f = s.first, f != "/" else { return false }
            return match(rest, s.dropFirst())
        case "[":
            guard let f = s.first, f != "/", let (ok, after) = matchClass(rest, f) else { return false }
            return ok && match(after, s.dropFirst())
        case "{" where dialect == .gobwas:
            guard let close = rest.firstIndex(of: "}") else { return literal(c, rest, s) }
            let tail = rest[(close + 1)...]
            for alt in rest[rest.startIndex..<close].split(separator: ",", omittingEmptySubsequences: false) {
                if match(ArraySlice(alt) + tail, s) { return true }
            }
            return false
        case "\\":
            guard let escaped = rest.first else { return false }
            return literal(escaped, rest.dropFirst(), s)
        default:
            return literal(c, rest, s)
        }
    }

    private func literal(_ c: Unicode.Scalar, _ rest: ArraySlice<Unicode.Scalar>, _ s: ArraySlice<Unicode.Scalar>) -> Bool {
        guard s.first == c else { return false }
        return match(rest, s.dropFirst())
    }

    /// A bracket class starting after `[`: whether `ch` is in it, and the pattern after `]`.
    private func matchClass(_ p: ArraySlice<Unicode.Scalar>, _ ch: Unicode.Scalar) -> (Bool, ArraySlice<Unicode.Scalar>)? {
        var i = p.startIndex
        var negate = false
        if i < p.endIndex, p[i] == "^" || (dialect == .gobwas && p[i] == "!") { negate = true; i += 1 }
        var found = false
        var first = true
        while i < p.endIndex {
            if p[i] == "]" && !first { return (found != negate, p[(i + 1)...]) }
            first = false
            var lo = p[i]
            if lo == "\\" { i += 1; guard i < p.endIndex else { return nil }; lo = p[i] }
            i += 1
            var hi = lo
            if i + 1 < p.endIndex, p[i] == "-", p[i + 1] != "]" {
                hi = p[i + 1]
                if hi == "\\" { guard i + 2 < p.endIndex else { return nil }; hi = p[i + 2]; i += 1 }
                i += 2
            }
            if lo.value <= ch.value && ch.value <= hi.value { found = true }
        }
        return nil  // unterminated class: Go reports ErrBadPattern, which never matches
    }
}
