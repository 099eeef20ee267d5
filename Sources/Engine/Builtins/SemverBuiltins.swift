import BigInt

/// semver.is_valid and semver.compare (Semantic Versioning 2.0.0; build metadata ignored in
/// comparisons; a leading `v` accepted by compare as OPA does).
enum SemverBuiltins {
    struct Version {
        var core: [BigInt]
        var pre: [Substring]
    }

    static func parse(_ s: Substring) -> Version? {
        var text = s
        var build: Substring? = nil
        if let plus = text.firstIndex(of: "+") {
            build = text[text.index(after: plus)...]
            text = text[..<plus]
        }
        var pre: [Substring] = []
        if let dash = text.firstIndex(of: "-") {
            pre = text[text.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
            text = text[..<dash]
            for id in pre {
                guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
                if id.allSatisfy({ $0.isNumber }) && id.count > 1 && id.first == "0" { return nil }
            }
        }
        if let b = build {
            for id in b.split(separator: ".", omittingEmptySubsequences: false) {
                guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
            }
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var core: [BigInt] = []
        for p in parts {
            // Leading zeros are tolerated, as by OPA's semver package.
            guard !p.isEmpty, p.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let n = BigInt(String(p)) else { return nil }
            core.append(n)
        }
        return Version(core: core, pre: pre)
    }

    static func compare(_ a: Version, _ b: Version) -> Int {
        for i in 0..<3 where a.core[i] != b.core[i] { return a.core[i] < b.core[i] ? -1 : 1 }
        if a.pre.isEmpty || b.pre.isEmpty {
            if a.pre.isEmpty && b.pre.isEmpty { return 0 }
            return a.pre.isEmpty ? 1 : -1
        }
        for i in 0..<min(a.pre.count, b.pre.count) {
            let x = a.pre[i], y = b.pre[i]
            let xn = x.allSatisfy { $0.isNumber }, yn = y.allSatisfy { $0.isNumber }
            switch (xn, yn) {
            case (true, true):
                let bx = BigInt(String(x))!, by = BigInt(String(y))!
                if bx != by { return bx < by ? -1 : 1 }
            case (true, false): return -1
            case (false, true): return 1
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
