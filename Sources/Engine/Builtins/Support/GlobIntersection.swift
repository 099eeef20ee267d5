/// regex.globs_match: OPA's glob-intersection library over simplified regular expressions
/// (literals, `.`, `[...]` classes, each optionally followed by `*` or `+`; `?` and `^` are
/// plain characters there). Its walk is reproduced, not regular-language intersection: tokens
/// are paired left to right, a starred token may be skipped only while the other side still has
/// tokens, so `a` and `a.*` do not intersect there while `a*b` and `b` do.
enum GlobIntersection {
    /// A set of runes: ranges, possibly negated.
    struct CharSet {
        var ranges: [ClosedRange<UInt32>]
        var negated: Bool

        static let any = CharSet(ranges: [0...0x10FFFF], negated: false)

        /// Positive ranges (complement applied).
        var positive: [ClosedRange<UInt32>] {
            if !negated { return ranges }
            var out: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
                next = max(next, r.upperBound &+ 1)
            }
            if next <= 0x10FFFF { out.append(next...0x10FFFF) }
            return out
        }

        func overlaps(_ o: CharSet) -> Bool {
            let a = positive, b = o.positive
            for x in a { for y in b where x.overlaps(y) { return true } }
            return false
        }
    }

    enum Quantifier { case one, optional, star, plus }
    struct Token { var set: CharSet; var q: Quantifier }

    struct SyntaxError: Error {}

    /// The library's error: its text (input included) is used as a Go format string whose
    /// arguments are the message's own (`flag '%s'`: the flag; the two runes of an out-of-order
    /// range) and then the sentinel error, so a `%` in the input is read as a verb.
    static func invalid(_ s: String, _ pos: Int, _ what: String, _ args: [String] = []) -> BuiltinError {
        BuiltinError(.builtin, errorf("input:\(s), pos:\(pos), \(what): %w", args))
    }

    /// fmt.Errorf(format, args..., errInvalidInput).
    static func errorf(_ format: String, _ strings: [String] = []) -> String {
        GoFormatter.sprintf(format, strings.map { .string($0) } + [.error("the input provided is invalid")])
    }

    static func parse(_ s: String) throws -> [Token] {
        let r = Array(s.unicodeScalars)
        var out: [Token] = []
        var i = 0
        while i < r.count {
            let c = r[i]
            var set: CharSet
            switch c {
            case ".":
                set = .any; i += 1
            case "[":
                i += 1
                let negated = false  // `^` is an ordinary member in this syntax
                var ranges: [ClosedRange<UInt32>] = []
                while i < r.count && r[i] != "]" {
                    // A range dash needs a character before it (not the class start, not a range).
                    if r[i] == "-" { throw invalid(s, i + 1, "range character '-' must be preceded by a Unicode character") }
                    var lo = r[i].value
                    if r[i] == "\\" {
                        guard i + 1 < r.count else { throw invalid(s, i, "input ends with a \\ (escape) character") }
                        i += 1; lo = r[i].value
                    }
                    i += 1
                    if i < r.count && r[i] == "-" {
                        // The library wants the range's end and one more character after the
                        // dash, and refuses `]` and `-` as the end.
                        if i + 2 >= r.count {
                            throw invalid(s, i + 1, "range character '-' must be followed by a Unicode character")
                        }
                        if r[i + 1] == "]" || r[i + 1] == "-" {
                            throw invalid(s, i + 2, "range character '-' cannot be followed by a special symbol")
                        }
                    }
                    if i + 1 < r.count && r[i] == "-" {
                        var hi = r[i + 1].value
                        i += 2
                        if r[i - 1] == "\\" && i < r.count { hi = r[i].value; i += 1 }
                        guard lo <= hi else {
                            let show = { (v: UInt32) in String(Character(Unicode.Scalar(v) ?? "?")) }
                            throw invalid(s, i, "range is out of order: '%s' comes before '%s' in Unicode", [show(hi), show(lo)])
                        }
                        ranges.append(lo...hi)
                    } else {
                        ranges.append(lo...lo)
                    }
                }
                guard i < r.count else { throw invalid(s, r.count, "found [ without matching ]") }
                i += 1
                set = CharSet(ranges: ranges, negated: negated)
            case "\\":
                guard i + 1 < r.count else { throw invalid(s, i, "input ends with a \\ (escape) character") }
                set = CharSet(ranges: [r[i + 1].value...r[i + 1].value], negated: false)
                i += 2
            case "]":
                throw invalid(s, i + 1, "set-close ']' with no preceding '['")
            case "*", "+":
                throw invalid(s, i + 1, "flag '%s' must be preceded by a non-flag", [String(c)])
            default:
                set = CharSet(ranges: [c.value...c.value], negated: false); i += 1
            }
            var q = Quantifier.one
            if i < r.count {
                switch r[i] {
                case "*": q = .star; i += 1
                case "+": q = .plus; i += 1
                default: break
                }
            }
            out.append(Token(set: set, q: q))
        }
        return out
    }

    static func intersects(_ a: String, _ b: String) throws -> Bool {
        var walk = Walk(x: try parse(a), y: try parse(b))
        return walk.normal(0, 0, false, false)
    }

    /// The library's recursion, memoised on (position, position, plus-turned-star flags).
    struct Walk {
        let x: [Token], y: [Token]
        var memo: [Int: Bool] = [:]

        func flag(_ t: [Token], _ i: Int, _ starred: Bool) -> Quantifier { starred ? .star : t[i].q }

        /// Plain tokens pair up one to one; at the first flagged token the special rules take
        /// over; both sides must end together.
        mutating func normal(_ i0: Int, _ j0: Int, _ s1: Bool, _ s2: Bool) -> Bool {
            var i = i0, j = j0, s1 = s1, s2 = s2
            while i < x.count && j < y.count {
                if flag(x, i, s1) == .one && flag(y, j, s2) == .one {
                    if !x[i].set.overlaps(y[j].set) { return false }
                    i += 1; j += 1; s1 = false; s2 = false
                } else {
                    return special(i, j, s1, s2)
                }
            }
            return i == x.count && j == y.count
        }

        mutating func special(_ i: Int, _ j: Int, _ s1: Bool, _ s2: Bool) -> Bool {
            let key = ((i * (y.count + 1) + j) << 2) | (s1 ? 2 : 0) | (s2 ? 1 : 0)
            if let m = memo[key] { return m }
            let r: Bool
            let overlap = x[i].set.overlaps(y[j].set)
            switch (flag(x, i, s1), flag(y, j, s2)) {
            case (.plus, _):
                // One occurrence against the other's first token, then a star.
                r = overlap && (normal(i, j + 1, true, false) || normal(i + 1, j + 1, false, false))
            case (.star, _):
                r = normal(i + 1, j, false, s2)
                    || overlap && (normal(i, j + 1, s1, false) || normal(i + 1, j + 1, false, false))
            case (_, .plus):
                r = overlap && (normal(i + 1, j, false, true) || normal(i + 1, j + 1, false, false))
            default:
                r = normal(i, j + 1, s1, false)
                    || overlap && (normal(i + 1, j, false, s2) || normal(i + 1, j + 1, false, false))
            }
            memo[key] = r
            return r
        }
    }
}
