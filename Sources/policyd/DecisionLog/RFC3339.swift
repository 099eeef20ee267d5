#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 UTC timestamps with nanoseconds, as Go (and so OPA) writes them: up to 9 fractional
/// digits with trailing zeros dropped, e.g. `2026-11-22T04:30:15.1234Z`.
enum RFC3339 {
    static func format(ns: Int64) -> String {
        var secs = time_t(ns / 1_000_000_000)
        var frac = Int(ns % 1_000_000_000)
        if frac < 0 { frac += 1_000_000_000; secs -= 1 }
        var tm = tm()
        gmtime_r(&secs, &tm)
        guard (0...9999).contains(Int(tm.tm_year) + 1900) else { return general(tm, frac) }
        // Digits written in place: one allocation per timestamp (this runs per decision-log entry).
        return String(unsafeUninitializedCapacity: 30) { buf in
            var i = 0
            func put(_ v: Int, _ width: Int) {
                var v = v
                var k = width - 1
                while k >= 0 {
                    buf[i + k] = UInt8(48 + v % 10)
                    v /= 10
                    k -= 1
                }
                i += width
            }
            func char(_ c: Unicode.Scalar) {
                buf[i] = UInt8(ascii: c)
                i += 1
            }
            put(Int(tm.tm_year) + 1900, 4); char("-"); put(Int(tm.tm_mon) + 1, 2); char("-"); put(Int(tm.tm_mday), 2)
            char("T"); put(Int(tm.tm_hour), 2); char(":"); put(Int(tm.tm_min), 2); char(":"); put(Int(tm.tm_sec), 2)
            if frac != 0 {
                char(".")
                var digits = 9
                while frac % 10 == 0 { frac /= 10; digits -= 1 }
                put(frac, digits)
            }
            char("Z")
            return i
        }
    }

    /// `format(ns:)`'s characters appended to `out` (no string in between).
    static func append(ns: Int64, to out: inout [UInt8]) {
        var secs = time_t(ns / 1_000_000_000)
        var frac = Int(ns % 1_000_000_000)
        if frac < 0 { frac += 1_000_000_000; secs -= 1 }
        var tm = tm()
        gmtime_r(&secs, &tm)
        guard (0...9999).contains(Int(tm.tm_year) + 1900) else { return out.append(contentsOf: general(tm, frac).utf8) }
        func put(_ v: Int, _ width: Int) { appendDigits(v, width: width, to: &out) }
        put(Int(tm.tm_year) + 1900, 4); out.append(UInt8(ascii: "-")); put(Int(tm.tm_mon) + 1, 2)
        out.append(UInt8(ascii: "-")); put(Int(tm.tm_mday), 2); out.append(UInt8(ascii: "T")); put(Int(tm.tm_hour), 2)
        out.append(UInt8(ascii: ":")); put(Int(tm.tm_min), 2); out.append(UInt8(ascii: ":")); put(Int(tm.tm_sec), 2)
        if frac != 0 {
            out.append(UInt8(ascii: "."))
            var digits = 9
            while frac % 10 == 0 { frac /= 10; digits -= 1 }
            put(frac, digits)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// `v` (0 ≤ v < 10^width, width ≤ 9) as exactly `width` decimal digits, zero-padded.
    static func appendDigits(_ v: Int, width: Int, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = v
        withUnsafeMutableBytes(of: &digits) { d in
            var k = width - 1
            while k >= 0 {
                d[k] = UInt8(48 + v % 10)
                v /= 10
                k -= 1
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[0..<width]))
        }
    }

    /// The `YYYY-MM-DDTHH:MM:SS` part of the last second formatted: consecutive decisions
    /// mostly fall in the same second, so `append(ns:to:second:)` calls `gmtime_r` (which takes
    /// glibc's time-zone lock) once per second instead of once per line.
    struct Second {
        var secs = Int64.min
        var text: [UInt8] = []
    }

    /// Same bytes as `append(ns:to:)`, with the date and time of day reused from `second`.
    static func append(ns: Int64, to out: inout [UInt8], second: inout Second) {
        withUnsafeTemporaryAllocation(byteCount: maxLength, alignment: 1) { buf in
            var w = ByteCursor(buf)
            write(ns: ns, to: &w, second: &second)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[0..<w.count]))
        }
    }

    /// Longest text `append(ns:to:)` writes for an Int64 (years 1677–2262, nine fraction digits).
    static let maxLength = 40

    /// `append(ns:to:second:)` through a cursor with room for `maxLength` bytes (the decision
    /// log's line writer).
    static func write(ns: Int64, to w: inout ByteCursor, second: inout Second) {
        var secs = ns / 1_000_000_000
        var frac = Int(ns % 1_000_000_000)
        if frac < 0 { frac += 1_000_000_000; secs -= 1 }
        if secs != second.secs {
            // Only the fixed-width form is cached (where secs × 10⁹ fits in an Int64).
            var t: [UInt8] = []
            let (whole, overflow) = secs.multipliedReportingOverflow(by: 1_000_000_000)
            if !overflow { append(ns: whole, to: &t) }
            guard !overflow, t.count == 20 else {
                t.removeAll()
                append(ns: ns, to: &t)
                return w.append(t)
            }
            t.removeLast()  // the "Z"
            second.text = t
            second.secs = secs
        }
        w.append(second.text)
        if frac != 0 { writeFraction(frac, to: &w) }
        w.append(UInt8(ascii: "Z"))
    }

    /// `.` and the nine digits of `frac` (1 ≤ frac < 10⁹), trailing zeros dropped: the digits
    /// written two at a time, then the zeros cut off by looking at the bytes (5 divisions where
    /// dividing digit by digit, after dividing out the zeros, took up to 17).
    @inline(__always)
    private static func writeFraction(_ frac: Int, to w: inout ByteCursor) {
        w.append(UInt8(ascii: "."))
        let pairs = ByteCursor.digitPairs.utf8Start
        let d = w.base + w.count
        var m = UInt32(truncatingIfNeeded: frac)
        var i = 9
        while i > 1 {
            let r = Int(m % 100) &* 2
            m /= 100
            i -= 2
            d[i] = pairs[r]
            d[i + 1] = pairs[r + 1]
        }
        d[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m)
        var digits = 9
        while d[digits - 1] == UInt8(ascii: "0") { digits -= 1 }
        w.skip(digits)
    }

    /// Parses what `format` writes (and any offset form `±hh:mm`); nil when malformed.
    static func parse(_ text: String) -> Int64? {
        let u = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= u.count else { return nil }
            var n = 0
            for c in u[from..<from + len] {
                guard c >= 48 && c <= 57 else { return nil }
                n = n * 10 + Int(c - 48)
            }
            return n
        }
        guard u.count >= 20, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let se = num(17, 2) else { return nil }
        var i = 19
        var frac: Int64 = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 9 { frac = frac * 10 + Int64(u[i] - 48) }
                digits += 1
                i += 1
            }
            if digits < 9 { for _ in digits..<9 { frac *= 10 } }
        }
        guard i < u.count else { return nil }
        var offset = 0
        if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
            i += 1
        } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        var tm = tm()
        tm.tm_year = Int32(y - 1900); tm.tm_mon = Int32(mo - 1); tm.tm_mday = Int32(d)
        tm.tm_hour = Int32(h); tm.tm_min = Int32(mi); tm.tm_sec = Int32(se)
        let secs = Int64(timegm(&tm)) - Int64(offset)
        return secs * 1_000_000_000 + frac
    }

    /// Any year (outside 0…9999 the fixed-width form above does not apply).
    private static func general(_ tm: tm, _ frac: Int) -> String {
        var s = pad(Int(tm.tm_year) + 1900, 4) + "-" + pad(Int(tm.tm_mon) + 1, 2) + "-" + pad(Int(tm.tm_mday), 2)
        s += "T" + pad(Int(tm.tm_hour), 2) + ":" + pad(Int(tm.tm_min), 2) + ":" + pad(Int(tm.tm_sec), 2)
        if frac != 0 {
            var digits = pad(frac, 9)
            while digits.hasSuffix("0") { digits.removeLast() }
            s += "." + digits
        }
        return s + "Z"
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
