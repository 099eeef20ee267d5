// Go's time.Parse: a value read against a reference-time layout, with Go's error messages
// ("parsing time \"x\" as \"layout\": cannot parse \"…\" as \"…\"").

struct GoTimeParseError: Error { let message: String }

extension GoLayout {
    private static func quote(_ s: ArraySlice<UInt8>) -> String { GoQuote.timeQuote(s) }

    private static func getnum(_ s: inout ArraySlice<UInt8>, fixed: Bool) -> Int? {
        guard isDigit(s, 0) else { return nil }
        let a = Int(s[s.startIndex] - 0x30)
        if !isDigit(s, 1) {
            if fixed { return nil }
            s = s.dropFirst()
            return a
        }
        let v = a * 10 + Int(s[s.startIndex + 1] - 0x30)
        s = s.dropFirst(2)
        return v
    }

    private static func getnum3(_ s: inout ArraySlice<UInt8>, fixed: Bool) -> Int? {
        var n = 0, i = 0
        while i < 3 && isDigit(s, i) {
            n = n * 10 + Int(s[s.startIndex + i] - 0x30)
            i += 1
        }
        if i == 0 || (fixed && i != 3) { return nil }
        s = s.dropFirst(i)
        return n
    }

    private static func lookupName(_ names: [String], _ s: inout ArraySlice<UInt8>) -> Int? {
        for (i, name) in names.enumerated() {
            let u = Array(name.utf8)
            guard s.count >= u.count else { continue }
            var ok = true
            for k in 0..<u.count {
                var c = s[s.startIndex + k], d = u[k]
                if c >= 0x41 && c <= 0x5A { c += 32 }
                if d >= 0x41 && d <= 0x5A { d += 32 }
                if c != d { ok = false; break }
            }
            if ok { s = s.dropFirst(u.count); return i }
        }
        return nil
    }

    private static func cutspace(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while s.first == 0x20 { s = s.dropFirst() }
        return s
    }

    /// Go's skip: the value after the literal prefix; on a mismatch, false with the value from
    /// the first byte that did not match (what Go's error message quotes).
    private static func skip(_ value: ArraySlice<UInt8>, _ prefix: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Bool) {
        var v = value, p = prefix
        while let pc = p.first {
            if pc == 0x20 {
                if let vc = v.first, vc != 0x20 { return (v, false) }
                p = cutspace(p)
                v = cutspace(v)
                continue
            }
            guard let vc = v.first, vc == pc else { return (v, false) }
            p = p.dropFirst()
            v = v.dropFirst()
        }
        return (v, true)
    }

    /// Fractional seconds: value[0] is '.' or ','; `n` bytes including it.
    private static func nanoseconds(_ value: ArraySlice<UInt8>, _ nbytes: Int) -> Int? {
        guard let f = value.first, f == 0x2E || f == 0x2C else { return nil }
        let n = min(nbytes, 10)
        var ns = 0
        for k in 1..<n {
            let c = value[value.startIndex + k]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            ns = ns * 10 + Int(c - 0x30)
        }
        for _ in 0..<(10 - n) { ns *= 10 }
        return ns
    }

    private static func timeZoneLength(_ v: ArraySlice<UInt8>) -> Int? {
        let a = Array(v.prefix(6))
        guard a.count >= 3 else { return nil }
        if a.count >= 4, a[0...3] == Array("ChST".utf8)[...] || a[0...3] == Array("MeST".utf8)[...] { return 4 }
        if a[0...2] == Array("GMT".utf8)[...] { return gmtLength(v) }
        if a[0] == 0x2B || a[0] == 0x2D { let n = signedOffsetLength(v); return n > 0 ? n : nil }
        var nUpper = 0
        while nUpper < 6 && nUpper < a.count && a[nUpper] >= 0x41 && a[nUpper] <= 0x5A { nUpper += 1 }
        switch nUpper {
        case 5 where a[4] == UInt8(ascii: "T"): return 5
        case 4 where a[3] == UInt8(ascii: "T") || a[0...3] == Array("WITA".utf8)[...]: return 4
        case 3: return 3
        default: return nil
        }
    }

    private static func gmtLength(_ v: ArraySlice<UInt8>) -> Int {
        let rest = v.dropFirst(3)
        if rest.isEmpty { return 3 }
        return 3 + signedOffsetLength(rest)
    }

    /// "+hh" / "-hh" hour offsets (Go's parseSignedOffset), 0 if not one.
    private static func signedOffsetLength(_ v: ArraySlice<UInt8>) -> Int {
        guard let s = v.first, s == 0x2B || s == 0x2D else { return 0 }
        var i = 1, x = 0
        while i < v.count, isDigit(v, i), i < 20 {
            x = x * 10 + Int(v[v.startIndex + i] - 0x30)
            i += 1
        }
        if i == 1 { return 0 }
        if x > 23 { return 0 }
        return i
    }

    /// Parses `value` with `layout`; returns (unix seconds, nanoseconds). Zone names that are not
    /// the local zone (UTC here) count as offset 0, as in Go.
    static func parse(layout: String, value: String) throws -> (sec: Int64, nsec: Int64) {
        let alayout = Array(layout.utf8), avalue = Array(value.utf8)
        var l = alayout[...], v = avalue[...]
        var year = 0, month = -1, day = -1, yday = -1, hour = 0, minute = 0, sec = 0, nsec = 0
        var zoneOffset: Int? = nil
        var amSet = false, pmSet = false
        func err(_ msg: String) -> GoTimeParseError {
            GoTimeParseError(message: "parsing time \(quote(avalue[...]))\(msg)")
        }
        func bad(_ layoutElem: ArraySlice<UInt8>, _ valueElem: ArraySlice<UInt8>) -> GoTimeParseError {
            GoTimeParseError(message: "parsing time \(quote(avalue[...])) as \(quote(alayout[...])): cannot parse \(quote(valueElem)) as \(quote(layoutElem))")
        }
        while true {
            let (pe, stdOpt, ss) = nextChunk(l)
            let prefix = l[l.startIndex..<pe]
            let stdstr = l[pe..<ss]
            let (nv, skipped) = skip(v, prefix)
            guard skipped else { throw bad(prefix, nv) }
            v = nv
            guard let std = stdOpt else {
                if !v.isEmpty { throw err(": extra text: \(quote(v))") }
                break
            }
            l = l[ss...]
            let hold = v
            var ok = true
            var rangeErr: String? = nil
            switch std {
            case .year:
                if v.count < 2 { ok = false; break }
                guard let y = Int(String(decoding: v.prefix(2), as: UTF8.self)), isDigit(v, 0), isDigit(v, 1) else { ok = false; break }
                v = v.dropFirst(2)
                year = y >= 69 ? y + 1900 : y + 2000
            case .longYear:
                if v.count < 4 || !isDigit(v, 0) { ok = false; break }
                guard let y = Int(String(decoding: v.prefix(4), as: UTF8.self)) else { ok = false; break }
                v = v.dropFirst(4)
                year = y
            case .month:
                if let m = lookupName(GoCivil.shortMonthNames, &v) { month = m + 1 } else { ok = false }
            case .longMonth:
                if let m = lookupName(GoCivil.longMonthNames, &v) { month = m + 1 } else { ok = false }
            case .numMonth, .zeroMonth:
                if let m = getnum(&v, fixed: std == .zeroMonth) {
                    month = m
                    if m <= 0 || m > 12 { rangeErr = "month" }
                } else { ok = false }
            case .weekDay:
                ok = lookupName(GoCivil.shortDayNames, &v) != nil
            case .longWeekDay:
                ok = lookupName(GoCivil.longDayNames, &v) != nil
            case .day, .underDay, .zeroDay:
                if std == .underDay && v.first == 0x20 { v = v.dropFirst() }
                if let d = getnum(&v, fixed: std == .zeroDay) { day = d } else { ok = false }
            case .underYearDay, .zeroYearDay:
                for _ in 0..<2 where std == .underYearDay && v.first == 0x20 { v = v.dropFirst() }
                if let d = getnum3(&v, fixed: std == .zeroYearDay) { yday = d } else { ok = false }
            case .hour:
                if let h = getnum(&v, fixed: false) { hour = h; if h >= 24 { rangeErr = "hour" } } else { ok = false }
            case .hour12, .zeroHour12:
                if let h = getnum(&v, fixed: std == .zeroHour12) { hour = h; if h > 12 { rangeErr = "hour" } } else { ok = false }
            case .minute, .zeroMinute:
                if let m = getnum(&v, fixed: std == .zeroMinute) { minute = m; if m >= 60 { rangeErr = "minute" } } else { ok = false }
            case .second, .zeroSecond:
                guard let s = getnum(&v, fixed: std == .zeroSecond) else { ok = false; break }
                sec = s
                if s >= 60 { rangeErr = "second"; break }
                // A fractional second in the value but not in the layout is still accepted.
                if v.count >= 2, v.first == 0x2E || v.first == 0x2C, isDigit(v, 1) {
                    let next = nextChunk(l).std
                    if case .fracSecond0 = next { break }
                    if case .fracSecond9 = next { break }
                    var n = 2
                    while n < v.count && isDigit(v, n) { n += 1 }
                    guard let ns = nanoseconds(v, n) else { ok = false; break }
                    nsec = ns
                    v = v.dropFirst(n)
                }
            case .pm, .lowerPM:
                if v.count < 2 { ok = false; break }
                let p = String(decoding: v.prefix(2), as: UTF8.self)
                v = v.dropFirst(2)
                if p == (std == .pm ? "PM" : "pm") { pmSet = true } else if p == (std == .pm ? "AM" : "am") { amSet = true } else { ok = false }
            case .iso8601TZ, .iso8601ShortTZ, .iso8601ColonTZ, .iso8601SecondsTZ, .iso8601ColonSecondsTZ,
                 .numTZ, .numShortTZ, .numColonTZ, .numSecondsTZ, .numColonSecondsTZ:
                let iso = [Std.iso8601TZ, .iso8601ShortTZ, .iso8601ColonTZ, .iso8601SecondsTZ, .iso8601ColonSecondsTZ].contains(std)
                if iso && v.first == UInt8(ascii: "Z") {
                    v = v.dropFirst()
                    zoneOffset = 0
                    break
                }
                let a = Array(v)
                var sign: UInt8 = 0, hh: [UInt8] = [], mm: [UInt8] = [], ssx: [UInt8] = Array("00".utf8), used = 0
                switch std {
                case .iso8601ColonTZ, .numColonTZ:
                    guard a.count >= 6, a[3] == 0x3A else { ok = false; break }
                    (sign, hh, mm, used) = (a[0], Array(a[1..<3]), Array(a[4..<6]), 6)
                case .numShortTZ, .iso8601ShortTZ:
                    guard a.count >= 3 else { ok = false; break }
                    (sign, hh, mm, used) = (a[0], Array(a[1..<3]), Array("00".utf8), 3)
                case .iso8601ColonSecondsTZ, .numColonSecondsTZ:
                    guard a.count >= 9, a[3] == 0x3A, a[6] == 0x3A else { ok = false; break }
                    (sign, hh, mm, ssx, used) = (a[0], Array(a[1..<3]), Array(a[4..<6]), Array(a[7..<9]), 9)
                case .iso8601SecondsTZ, .numSecondsTZ:
                    guard a.count >= 7 else { ok = false; break }
                    (sign, hh, mm, ssx, used) = (a[0], Array(a[1..<3]), Array(a[3..<5]), Array(a[5..<7]), 7)
                default:
                    guard a.count >= 5 else { ok = false; break }
                    (sign, hh, mm, used) = (a[0], Array(a[1..<3]), Array(a[3..<5]), 5)
                }
                if !ok { break }
                v = v.dropFirst(used)
                var h1 = hh[...], m1 = mm[...], s1 = ssx[...]
                // Go parses the parts in turn (stopping at the first bad one) and range-checks
                // what it got even then; a range error wins over the bad part.
                let hr = getnum(&h1, fixed: true) ?? -1
                let mn = hr >= 0 ? getnum(&m1, fixed: true) ?? -1 : 0
                let sc = mn >= 0 && hr >= 0 ? getnum(&s1, fixed: true) ?? -1 : 0
                if hr > 24 { rangeErr = "time zone offset hour" }
                if hr < 0 || mn < 0 || sc < 0 { ok = false; break }
                if mn > 60 { rangeErr = "time zone offset minute" }
                if sc > 60 { rangeErr = "time zone offset second" }
                let off = (hr * 60 + mn) * 60 + sc
                if sign == 0x2B { zoneOffset = off } else if sign == 0x2D { zoneOffset = -off } else { ok = false }
            case .tz:
                if v.count >= 3, Array(v.prefix(3)) == Array("UTC".utf8) {
                    v = v.dropFirst(3)
                    break
                }
                guard let n = timeZoneLength(v) else { ok = false; break }
                v = v.dropFirst(n)
            case .fracSecond0(let digits, _):
                let nd = 1 + digits
                guard v.count >= nd, let ns = nanoseconds(v, nd) else { ok = false; break }
                nsec = ns
                v = v.dropFirst(nd)
            case .fracSecond9:
                guard v.count >= 2, v.first == 0x2E || v.first == 0x2C, isDigit(v, 1) else { break }
                var i = 0
                while i + 1 < v.count && isDigit(v, i + 1) { i += 1 }
                guard let ns = nanoseconds(v, 1 + i) else { ok = false; break }
                nsec = ns
                v = v.dropFirst(1 + i)
            }
            if let r = rangeErr { throw err(": \(r) out of range") }
            if !ok { throw bad(stdstr, hold) }
        }
        if pmSet && hour < 12 { hour += 12 } else if amSet && hour == 12 { hour = 0 }
        if yday >= 0 {
            var d = 0, m = 0
            if GoCivil.isLeap(Int64(year)) {
                if yday == 31 + 29 { m = 2; d = 29 } else if yday > 31 + 29 { yday -= 1 }
            }
            if yday < 1 || yday > 365 { throw err(": day-of-year out of range") }
            if m == 0 {
                m = (yday - 1) / 31 + 1
                if GoCivil.daysBefore[m] < yday { m += 1 }
                d = yday - GoCivil.daysBefore[m - 1]
            }
            if month >= 0 && month != m { throw err(": day-of-year does not match month") }
            month = m
            if day >= 0 && day != d { throw err(": day-of-year does not match day") }
            day = d
        } else {
            if month < 0 { month = 1 }
            if day < 0 { day = 1 }
        }
        if day < 1 || day > GoCivil.daysIn(month: month, year: Int64(year)) { throw err(": day out of range") }
        let t = GoTime.date(year: Int64(year), month: Int64(month), day: Int64(day), hour: Int64(hour),
                            minute: Int64(minute), second: Int64(sec), nsec: Int64(nsec), zone: .utc)
        return (t.unixSec - Int64(zoneOffset ?? 0), t.nsec)
    }
}

extension GoLayout {
    /// Fast path for canonical RFC 3339 values (the decision hot path): no allocation. Returns
    /// nil for anything unusual, and callers fall back to the general parser (which then gives
    /// Go's exact result or error), so accepting less than Go here is safe.
    static func parseRFC3339Fast(_ value: String) -> (sec: Int64, nsec: Int64)? {
        var v = value
        return v.withUTF8 { b -> (Int64, Int64)? in
            let n = b.count
            guard n >= 20 else { return nil }
            @inline(__always) func d(_ i: Int) -> Int? {
                let c = b[i]
                return c >= 0x30 && c <= 0x39 ? Int(c - 0x30) : nil
            }
            @inline(__always) func two(_ i: Int) -> Int? {
                guard let a = d(i), let c = d(i + 1) else { return nil }
                return a * 10 + c
            }
            guard let y1 = two(0), let y2 = two(2), b[4] == 0x2D, let mo = two(5), b[7] == 0x2D, let dd = two(8),
                  b[10] == 0x54, let hh = two(11), b[13] == 0x3A, let mi = two(14), b[16] == 0x3A, let ss = two(17)
            else { return nil }
            let year = y1 * 100 + y2
            guard mo >= 1, mo <= 12, dd >= 1, dd <= GoCivil.daysIn(month: mo, year: Int64(year)), hh < 24, mi < 60, ss < 60
            else { return nil }
            var i = 19
            var nsec = 0
            if b[i] == 0x2E || b[i] == 0x2C {
                i += 1
                var digits = 0
                while i < n, let x = d(i) {
                    if digits < 9 { nsec = nsec * 10 + x }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in min(digits, 9)..<9 { nsec *= 10 }
            }
            guard i < n else { return nil }
            var offset = 0
            if b[i] == 0x5A {
                guard i + 1 == n else { return nil }
            } else {
                guard i + 6 == n, b[i] == 0x2B || b[i] == 0x2D, let oh = two(i + 1), b[i + 3] == 0x3A, let om = two(i + 4),
                      oh <= 24, om <= 60 else { return nil }
                offset = (oh * 60 + om) * 60 * (b[i] == 0x2D ? -1 : 1)
            }
            let days = GoCivil.days(year: Int64(year), month: mo, day: Int64(dd))
            let sec = days * 86_400 + Int64(hh * 3600 + mi * 60 + ss) - Int64(offset)
            return (sec, Int64(nsec))
        }
    }
}
