// Go's time.ParseDuration ("1h30m", "-1.5s", "100ms") plus OPA's d/w/y units, with Go's error texts.

enum GoDuration {
    struct ParseError: Error {
        let message: String
        var unknownUnit: String? = nil
    }

    private static let goUnits: [String: UInt64] = [
        "ns": 1, "us": 1_000, "\u{00B5}s": 1_000, "\u{03BC}s": 1_000, "ms": 1_000_000,
        "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]
    /// OPA's extension of Go's units: days, weeks and 365-day years.
    private static let units = goUnits.merging(["d": 86_400_000_000_000, "w": 604_800_000_000_000, "y": 31_536_000_000_000_000]) { a, _ in a }

    /// time.parse_duration_ns as OPA does it: Go's ParseDuration first (its errors, quoted as
    /// Go's time package quotes); a text with a `d`, `w` or `y` in it that Go refuses is read
    /// again with the extra units, and then fails quoted strconv-style: `invalid duration`
    /// unless the text is a sequence of number–unit pairs whose units are known or single
    /// lowercase letters, when an unknown one is named (`1e3d`: `unknown unit "e"`; `1ee3d`,
    /// `1dx`, `1e3d1`: invalid). Found by experiment against OPA (docs/conformance.md, session 10).
    static func parseWithDays(_ text: String) throws -> Int64 {
        do {
            return try parse(text, units: goUnits)
        } catch let goError {
            guard text.utf8.contains(where: { $0 == 0x64 || $0 == 0x77 || $0 == 0x79 }) else { throw goError }
            let invalid = ParseError(message: "time: invalid duration \(GoQuote.quote(text))")
            guard pairShaped(text) else { throw invalid }
            do {
                return try parse(text, units: units)
            } catch let e as ParseError {
                if let u = e.unknownUnit {
                    throw ParseError(message: "time: unknown unit \(GoQuote.quote(u)) in duration \(GoQuote.quote(text))")
                }
                throw invalid
            }
        }
    }

    /// `[-+]?(number unit)+`: numbers `1`, `1.`, `.5`; units as Go splits them (up to the next
    /// digit or `.`), each a known unit or a single lowercase ASCII letter.
    private static func pairShaped(_ text: String) -> Bool {
        let all = Array(text.utf8)
        var s = all[...]
        if let c = s.first, c == 0x2B || c == 0x2D { s = s.dropFirst() }
        if s.isEmpty { return false }
        @inline(__always) func isNum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || c == 0x2E }
        while !s.isEmpty {
            var digits = 0
            while let c = s.first, c >= 0x30 && c <= 0x39 { digits += 1; s = s.dropFirst() }
            if s.first == 0x2E {
                s = s.dropFirst()
                while let c = s.first, c >= 0x30 && c <= 0x39 { digits += 1; s = s.dropFirst() }
            }
            if digits == 0 { return false }
            let start = s.startIndex
            while let c = s.first, !isNum(c) { s = s.dropFirst() }
            let u = all[start..<s.startIndex]
            if u.isEmpty { return false }
            if units[String(decoding: u, as: UTF8.self)] == nil && !(u.count == 1 && u.first! >= 0x61 && u.first! <= 0x7A) { return false }
        }
        return true
    }

    static func parse(_ text: String) throws -> Int64 { try parse(text, units: units) }

    private static func parse(_ text: String, units: [String: UInt64]) throws -> Int64 {
        let orig = text
        let invalid = ParseError(message: "time: invalid duration \(GoQuote.timeQuote(orig.utf8))")
        var s = Array(text.utf8)[...]
        var neg = false
        if let c = s.first, c == 0x2D || c == 0x2B { neg = c == 0x2D; s = s.dropFirst() }
        if s.count == 1 && s.first == 0x30 { return 0 }
        if s.isEmpty { throw invalid }
        let limit: UInt64 = 1 << 63
        var d: UInt64 = 0
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while let first = s.first {
            guard first == 0x2E || isDigit(first) else { throw invalid }
            var v: UInt64 = 0
            let before = s.count
            while let c = s.first, isDigit(c) {
                if v > limit / 10 { throw invalid }
                v = v * 10 + UInt64(c - 0x30)
                if v > limit { throw invalid }
                s = s.dropFirst()
            }
            let pre = before != s.count
            var f: UInt64 = 0
            var scale = 1.0
            var post = false
            if s.first == 0x2E {
                s = s.dropFirst()
                let b2 = s.count
                var overflow = false
                while let c = s.first, isDigit(c) {
                    s = s.dropFirst()
                    if overflow { continue }
                    if f > (limit - 1) / 10 { overflow = true; continue }
                    let y = f * 10 + UInt64(c - 0x30)
                    if y > limit { overflow = true; continue }
                    f = y
                    scale *= 10
                }
                post = b2 != s.count
            }
            if !pre && !post { throw invalid }
            var i = s.startIndex
            while i < s.endIndex, s[i] != 0x2E, !isDigit(s[i]) { i += 1 }
            if i == s.startIndex { throw ParseError(message: "time: missing unit in duration \(GoQuote.timeQuote(orig.utf8))") }
            let u = String(decoding: s[s.startIndex..<i], as: UTF8.self)
            s = s[i...]
            guard let unit = units[u] else {
                throw ParseError(message: "time: unknown unit \(GoQuote.timeQuote(u.utf8)) in duration \(GoQuote.timeQuote(orig.utf8))", unknownUnit: u)
            }
            if v > limit / unit { throw invalid }
            v *= unit
            if f > 0 {
                v += UInt64(Double(f) * (Double(unit) / scale))
                if v > limit { throw invalid }
            }
            d += v
            if d > limit { throw invalid }
        }
        if neg { return d == limit ? Int64.min : -Int64(d) }
        if d > limit - 1 { throw invalid }
        return Int64(d)
    }
}
