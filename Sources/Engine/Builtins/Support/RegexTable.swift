/// Patterns compiled once per call site when the plan is built: the call's constant pattern,
/// or the strings of a constant collection the pattern variable iterates over
/// (`some p in deny_patterns; regex.match(p, …)`), as `Builtin.CallSite.candidates` reports
/// them. A lookup takes no lock and hashes nothing for the usual case, where the pattern is
/// the very string the plan holds (the iteration binds the collection's own element); any
/// other pattern goes to the shared `RegexCache`. Immutable, shared by every request thread.
final class RegexTable: Sendable {
    private let patterns: [String]
    private let regexes: [Regex]
    /// For long candidate lists, so a miss on identity does not compare every pattern.
    private let byValue: [Value: Regex]?

    static let maxPatterns = 256
    private static let linearLimit = 8

    /// The valid string patterns among `candidates` (at most `maxPatterns`; invalid ones are
    /// left to the general path, which reports their error), or nil when there are none.
    /// Compiled through the shared cache, so call sites and reloads share one `Regex`.
    init?(_ candidates: [Value]?) {
        guard let candidates else { return nil }
        var ps: [String] = [], rs: [Regex] = []
        var seen = Set<Value>()
        for c in candidates {
            guard ps.count < Self.maxPatterns, case .string(let p) = c, seen.insert(c).inserted,
                  let re = try? RegexCache.get(p) else { continue }
            ps.append(p)
            rs.append(re)
        }
        guard !ps.isEmpty else { return nil }
        patterns = ps
        regexes = rs
        if ps.count > Self.linearLimit {
            var d = [Value: Regex](minimumCapacity: ps.count)
            for (p, r) in zip(ps, rs) { d[.string(p)] = r }
            byValue = d
        } else {
            byValue = nil
        }
    }

    /// The compiled `pattern` (from this table, else the shared cache), or OPA's
    /// eval_builtin_error for a bad one.
    @inline(__always)
    static func regex(_ table: RegexTable?, _ pattern: String) throws -> Regex {
        if let table, let r = table.lookup(pattern) { return r }
        return try RegexCache.builtinGet(pattern)
    }

    func lookup(_ p: String) -> Regex? {
        for i in 0..<patterns.count where Self.identical(patterns[i], p) { return regexes[i] }
        if let byValue { return byValue[.string(p)] }
        for i in 0..<patterns.count where regoStringsEqual(patterns[i], p) { return regexes[i] }
        return nil
    }

    /// True when both strings have the same representation (the same storage object, or the
    /// same small-string bytes): then they are equal without reading their bytes.
    @inline(__always)
    static func identical(_ a: String, _ b: String) -> Bool {
        withUnsafeBytes(of: a) { pa in
            withUnsafeBytes(of: b) { pb in
                pa.load(as: (UInt64, UInt64).self) == pb.load(as: (UInt64, UInt64).self)
            }
        }
    }
}
