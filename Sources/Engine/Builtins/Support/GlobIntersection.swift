/// regex.globs_match: do two simplified regular expressions (literals, `.`, `[...]` classes,
/// each optionally followed by `*` or `+`; `?` and `^` are plain characters there) match at least one common string? Decided by a
/// search over the product of the two token automata.
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
                var first = true
                while i < r.count && (r[i] != "]" || first) {
                    first = false
                    var lo = r[i].value
                    if r[i] == "\\" && i + 1 < r.count { i += 1; lo = r[i].value }
                    i += 1
                    if i + 1 < r.count && r[i] == "-" && r[i + 1] != "]" {
                        var hi = r[i + 1].value
                        i += 2
                        if r[i - 1] == "\\" && i < r.count { hi = r[i].value; i += 1 }
                        guard lo <= hi else { throw BuiltinError(.builtin, "invalid character class range") }
                        ranges.append(lo...hi)
                    } else {
                        ranges.append(lo...lo)
                    }
                }
                guard i < r.count else { throw BuiltinError(.builtin, "unterminated character class") }
                i += 1
                set = CharSet(ranges: ranges, negated: negated)
            case "\\":
                guard i + 1 < r.count else { throw BuiltinError(.builtin, "trailing backslash") }
                set = CharSet(ranges: [r[i + 1].value...r[i + 1].value], negated: false)
                i += 2
            case "]":
                throw BuiltinError(.builtin, "input:\(s), pos:\(i + 1), set-close ']' with no preceding '[': the input provided is invalid")
            case "*", "+":
                // A quantifier with nothing to repeat: a literal, as the glob library reads it.
                set = CharSet(ranges: [c.value...c.value], negated: false); i += 1
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
            if q == .plus {
                out.append(Token(set: set, q: .one))
                q = .star
            }
            out.append(Token(set: set, q: q))
        }
        return out
    }

    static func intersects(_ a: String, _ b: String) throws -> Bool {
        let x = try parse(a), y = try parse(b)
        // States (i, j): positions in each token list. Epsilon: skip optional/star tokens.
        func closure(_ i: Int, _ t: [Token]) -> [Int] {
            var out = [i]
            var k = i
            while k < t.count && t[k].q != .one { k += 1; out.append(k) }
            return out
        }
        var seen = Set<Int>()
        var stack: [(Int, Int)] = []
        func push(_ i: Int, _ j: Int) {
            for ci in closure(i, x) {
                for cj in closure(j, y) {
                    let key = ci * (y.count + 1) + cj
                    if seen.insert(key).inserted { stack.append((ci, cj)) }
                }
            }
        }
        push(0, 0)
        while let (i, j) = stack.popLast() {
            if i == x.count && j == y.count { return true }
            guard i < x.count, j < y.count, x[i].set.overlaps(y[j].set) else { continue }
            let ni = x[i].q == .star ? i : i + 1
            let nj = y[j].q == .star ? j : j + 1
            push(ni, nj)
        }
        return false
    }
}
