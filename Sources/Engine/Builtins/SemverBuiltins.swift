/// semver.is_valid and semver.compare (Semantic Versioning 2.0.0; build metadata ignored in
/// comparisons; a leading `v` accepted by compare as OPA does).
enum SemverBuiltins {
    struct Version {
        var core: [Int64]
        var pre: [Substring]
    }

    /// Parsing as OPA's semver package: metadata split off at the first `+`, pre-release at the
    /// first `-` of the rest; each part may be empty ("1.0.0-" is valid) or dot-separated
    /// [0-9A-Za-z-] identifiers (leading zeros allowed); the core is three int64s.
    static func parse(_ s: Substring) -> Version? {
        var text = s
        var build: Substring = ""
        if let plus = text.firstIndex(of: "+") {
            build = text[text.index(after: plus)...]
            text = text[..<plus]
        }
        var preText: Substring = ""
        if let dash = text.firstIndex(of: "-") {
            preText = text[text.index(after: dash)...]
            text = text[..<dash]
        }
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, validIdentifiers(preText), validIdentifiers(build) else { return nil }
        var core: [Int64] = []
        for p in parts {
            guard let n = parseInt64(p) else { return nil }
            core.append(n)
        }
        let pre = preText.isEmpty ? [] : preText.split(separator: ".", omittingEmptySubsequences: false)
        return Version(core: core, pre: pre)
    }

    static func validIdentifiers(_ s: Substring) -> Bool {
        if s.isEmpty { return true }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { id in
            !id.isEmpty && id.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }

    /// Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range.
    static func parseInt64(_ s: Substring) -> Int64? {
        var digits = s
        var negative = false
        if let f = digits.first, f == "+" || f == "-" { negative = f == "-"; digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(String(negative ? "-" + digits : digits))
    }

    /// The digits of an all-digit identifier without leading zeros (so longer means larger).
    static func numeric(_ s: Substring) -> [UInt8]? {
        guard s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Array(s.utf8.drop { $0 == 48 })
    }

    static func compare(_ a: Version, _ b: Version) -> Int {
        for i in 0..<3 where a.core[i] != b.core[i] { return a.core[i] < b.core[i] ? -1 : 1 }
        if a.pre.isEmpty || b.pre.isEmpty {
            if a.pre.isEmpty && b.pre.isEmpty { return 0 }
            return a.pre.isEmpty ? 1 : -1
        }
        for i in 0..<min(a.pre.count, b.pre.count) {
            let x = a.pre[i], y = b.pre[i]
            // All-digit identifiers are numeric, compared by value at any length.
            switch (numeric(x), numeric(y)) {
            case (let nx?, let ny?):
                if nx.count != ny.count { return nx.count < ny.count ? -1 : 1 }
                if nx != ny { return nx.lexicographicallyPrecedes(ny) ? -1 : 1 }
            case (.some, nil): return -1
            case (nil, .some): return 1
            default:
                let c = regoStringsCompare(String(x), String(y))
                if c != 0 { return c }
            }
        }
        return a.pre.count == b.pre.count ? 0 : (a.pre.count < b.pre.count ? -1 : 1)
    }

    static func strip(_ s: String) -> Substring {
        s.hasPrefix("v") ? s.dropFirst() : Substring(s)
    }

    static let builtins: [Builtin] = [
        Builtin("semver.is_valid", arity: 1) { args, _ in
            guard case .string(let s) = args[0] else { return .false }
            return .bool(parse(strip(s)) != nil)
        },
        Builtin("semver.compare", arity: 2) { args, _ in
            let a = try args.string(0), b = try args.string(1)
            guard let va = parse(strip(a)) else { throw BuiltinError(.builtin, "operand 1: string \(GoQuote.quote(a)) is not a valid SemVer") }
            guard let vb = parse(strip(b)) else { throw BuiltinError(.builtin, "operand 2: string \(GoQuote.quote(b)) is not a valid SemVer") }
            return .int(compare(va, vb))
        },
    ]
}
