// The order in which the clauses of one rule set are tried, as OPA tries them. Visible only in
// which of two conflicting values is reported (the conflict's location) and which of two
// failing clauses raises its error first; the set of answers does not depend on it.
//
// Learnt from OPA 1.20 by experiment (one clause per error, `to_number("cK")`). OPA files
// clauses by the refs they read (ClauseReads: `input` and base-data refs, function arguments).
// A clause that reads none comes first, in definition order. The refs read form levels, the
// ref read most often first (every read counts: `input.b != 3; input.b != 4` twice); on a tie
// input and data refs before arguments, then the ref met first (clause by clause, expression
// by expression). At each level a clause tests the ref against a constant (`input.a == 1`,
// `input.a in {1, 2}`), reads it some other way (`input.a != 5`, `count(input.xs) > 0`,
// `y := input.a`), or does not read it. Clauses are then tried level by level: a clause that
// reads nothing at the remaining levels before the others, then those that do not read the
// level's ref, then those that read it otherwise, then those testing it against a constant;
// definition order among equals.

enum ClauseOrder {
    private enum Use: Comparable {
        case none
        case reads
        case tests(Int)  // rank of the constant among the level's constants
    }

    /// `rules` in OPA's order (the same array when nothing moves).
    static func ordered(_ rules: [PRule]) -> [PRule] {
        guard rules.count > 1 else { return rules }
        let uses = rules.map { ClauseReads($0, forOrder: true).uses }
        var count: [ClauseReads.Level: Int] = [:]
        var firstSeen: [ClauseReads.Level: Int] = [:]
        for u in uses {
            for x in u {
                count[x.level, default: 0] += x.occurrences
                if firstSeen[x.level] == nil { firstSeen[x.level] = firstSeen.count }
            }
        }
        if count.isEmpty { return rules }
        let levels = count.keys.sorted { a, b in
            if count[a]! != count[b]! { return count[a]! > count[b]! }
            if isArg(a) != isArg(b) { return isArg(b) }
            return firstSeen[a]! < firstSeen[b]!
        }
        var keys: [[Use]] = []
        for u in uses {
            var key = levels.map { l -> Use in
                guard let x = u.first(where: { $0.level == l }) else { return .none }
                guard let c = x.constant else { return .reads }
                // Constants ranked by Rego order (only one can match at run time).
                var rank = 0
                for v in uses { for y in v where y.level == l { if let d = y.constant, Value.compare(d, c) < 0 { rank += 1 } } }
                return .tests(rank)
            }
            while key.last == Use.none { key.removeLast() }
            keys.append(key)
        }
        let order = rules.indices.sorted { i, j in
            let a = keys[i], b = keys[j]
            for (x, y) in zip(a, b) where x != y { return x < y }
            return a.count != b.count ? a.count < b.count : i < j
        }
        return order.map { rules[$0] }
    }

    private static func isArg(_ l: ClauseReads.Level) -> Bool {
        if case .arg = l { return true }
        return false
    }
}
