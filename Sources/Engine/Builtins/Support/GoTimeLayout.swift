// Go reference-time layouts ("2006-01-02T15:04:05Z07:00"): tokenising, formatting and parsing
// with the semantics (and error texts) of Go's time.Format / time.Parse.

enum GoLayout {
    enum Std: Equatable {
        case longMonth, month, numMonth, zeroMonth
        case longWeekDay, weekDay
        case day, underDay, zeroDay, underYearDay, zeroYearDay
        case hour, hour12, zeroHour12, minute, zeroMinute, second, zeroSecond
        case longYear, year, pm, lowerPM, tz
        case iso8601TZ, iso8601SecondsTZ, iso8601ShortTZ, iso8601ColonTZ, iso8601ColonSecondsTZ
        case numTZ, numSecondsTZ, numShortTZ, numColonTZ, numColonSecondsTZ
        case fracSecond0(digits: Int, sep: UInt8), fracSecond9(digits: Int, sep: UInt8)
    }

    /// The Go layout names OPA accepts in place of layouts (only these: not Kitchen, Stamp…).
    static let named: [String: String] = [
        "ANSIC": "Mon Jan _2 15:04:05 2006",
        "UnixDate": "Mon Jan _2 15:04:05 MST 2006",
        "RubyDate": "Mon Jan 02 15:04:05 -0700 2006",
        "RFC822": "02 Jan 06 15:04 MST",
        "RFC822Z": "02 Jan 06 15:04 -0700",
        "RFC850": "Monday, 02-Jan-06 15:04:05 MST",
        "RFC1123": "Mon, 02 Jan 2006 15:04:05 MST",
        "RFC1123Z": "Mon, 02 Jan 2006 15:04:05 -0700",
        "RFC3339": "2006-01-02T15:04:05Z07:00",
        "RFC3339Nano": "2006-01-02T15:04:05.999999999Z07:00",
    ]

    @inline(__always) static func isDigit(_ s: ArraySlice<UInt8>, _ i: Int) -> Bool {
        let j = s.startIndex + i
        return j < s.endIndex && s[j] >= 0x30 && s[j] <= 0x39
    }

    private static func has(_ l: ArraySlice<UInt8>, _ i: Int, _ lit: StaticString) -> Bool {
        let n = lit.utf8CodeUnitCount
        guard i + n <= l.endIndex else { return false }
        let p = lit.utf8Start
        for k in 0..<n where l[i + k] != p[k] { return false }
        return true
    }

    private static func startsWithLower(_ l: ArraySlice<UInt8>, _ i: Int) -> Bool {
        i < l.endIndex && l[i] >= 0x61 && l[i] <= 0x7A
    }

    /// Go's nextStdChunk: (prefix, std, suffix start). std nil means no more elements.
    static func nextChunk(_ l: ArraySlice<UInt8>) -> (prefixEnd: Int, std: Std?, suffixStart: Int) {
        var i = l.startIndex
        while i < l.endIndex {
            switch l[i] {
            case UInt8(ascii: "J"):
                if has(l, i, "Jan") {
                    if has(l, i, "January") { return (i, .longMonth, i + 7) }
                    if !startsWithLower(l, i + 3) { return (i, .month, i + 3) }
                }
            case UInt8(ascii: "M"):
                if has(l, i, "Mon") {
                    if has(l, i, "Monday") { return (i, .longWeekDay, i + 6) }
                    if !startsWithLower(l, i + 3) { return (i, .weekDay, i + 3) }
                }
                if has(l, i, "MST") { return (i, .tz, i + 3) }
            case UInt8(ascii: "0"):
                if i + 1 < l.endIndex, l[i + 1] >= 0x31, l[i + 1] <= 0x36 {
                    let stds: [Std] = [.zeroMonth, .zeroDay, .zeroHour12, .zeroMinute, .zeroSecond, .year]
                    return (i, stds[Int(l[i + 1] - 0x31)], i + 2)
                }
                if has(l, i, "002") { return (i, .zeroYearDay, i + 3) }
            case UInt8(ascii: "1"):
                if i + 1 < l.endIndex, l[i + 1] == UInt8(ascii: "5") { return (i, .hour, i + 2) }
                return (i, .numMonth, i + 1)
            case UInt8(ascii: "2"):
                if has(l, i, "2006") { return (i, .longYear, i + 4) }
                return (i, .day, i + 1)
            case UInt8(ascii: "_"):
                if i + 1 < l.endIndex, l[i + 1] == UInt8(ascii: "2") {
                    if has(l, i + 1, "2006") { return (i + 1, .longYear, i + 5) }
                    return (i, .underDay, i + 2)
                }
                if has(l, i, "__2") { return (i, .underYearDay, i + 3) }
            case UInt8(ascii: "3"): return (i, .hour12, i + 1)
            case UInt8(ascii: "4"): return (i, .minute, i + 1)
            case UInt8(ascii: "5"): return (i, .second, i + 1)
            case UInt8(ascii: "P"):
                if i + 1 < l.endIndex, l[i + 1] == UInt8(ascii: "M") { return (i, .pm, i + 2) }
            case UInt8(ascii: "p"):
                if i + 1 < l.endIndex, l[i + 1] == UInt8(ascii: "m") { return (i, .lowerPM, i + 2) }
            case UInt8(ascii: "-"):
                if has(l, i, "-070000") { return (i, .numSecondsTZ, i + 7) }
                if has(l, i, "-07:00:00") { return (i, .numColonSecondsTZ, i + 9) }
                if has(l, i, "-0700") { return (i, .numTZ, i + 5) }
                if has(l, i, "-07:00") { return (i, .numColonTZ, i + 6) }
                if has(l, i, "-07") { return (i, .numShortTZ, i + 3) }
            case UInt8(ascii: "Z"):
                if has(l, i, "Z070000") { return (i, .iso8601SecondsTZ, i + 7) }
                if has(l, i, "Z07:00:00") { return (i, .iso8601ColonSecondsTZ, i + 9) }
                if has(l, i, "Z0700") { return (i, .iso8601TZ, i + 5) }
                if has(l, i, "Z07:00") { return (i, .iso8601ColonTZ, i + 6) }
                if has(l, i, "Z07") { return (i, .iso8601ShortTZ, i + 3) }
            case UInt8(ascii: "."), UInt8(ascii: ","):
                if i + 1 < l.endIndex, l[i + 1] == UInt8(ascii: "0") || l[i + 1] == UInt8(ascii: "9") {
                    let ch = l[i + 1]
                    var j = i + 1
                    while j < l.endIndex && l[j] == ch { j += 1 }
                    if !(j < l.endIndex && l[j] >= 0x30 && l[j] <= 0x39) {
                        let n = j - (i + 1)
                        return (i, ch == UInt8(ascii: "0") ? .fracSecond0(digits: n, sep: l[i]) : .fracSecond9(digits: n, sep: l[i]), j)
                    }
                }
            default: break
            }
            i += 1
        }
        return (l.endIndex, nil, l.endIndex)
    }

    // MARK: Formatting

    private static func appendInt(_ b: inout [UInt8], _ x: Int, _ width: Int) {
        var u = x.magnitude
        if x < 0 { b.append(UInt8(ascii: "-")) }
        var digits: [UInt8] = []
        repeat { digits.append(UInt8(u % 10) + 0x30); u /= 10 } while u > 0
        if digits.count < width { b.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
        b.append(contentsOf: digits.reversed())
    }

    static func format(_ t: GoTime, layout: String) -> String {
        let f = t.fields
        var b: [UInt8] = []
        b.reserveCapacity(layout.utf8.count + 10)
        var l = ArraySlice(Array(layout.utf8))
        while true {
            let (pe, std, ss) = nextChunk(l)
            b.append(contentsOf: l[l.startIndex..<pe])
            guard let std else { break }
            l = l[ss...]
            switch std {
            case .year:
                appendInt(&b, Int(GoCivil.floorMod(f.year, 100)), 2)
            case .longYear: appendInt(&b, Int(f.year), 4)
            case .month: b.append(contentsOf: GoCivil.shortMonthNames[f.month - 1].utf8)
            case .longMonth: b.append(contentsOf: GoCivil.longMonthNames[f.month - 1].utf8)
            case .numMonth: appendInt(&b, f.month, 0)
            case .zeroMonth: appendInt(&b, f.month, 2)
            case .weekDay: b.append(contentsOf: GoCivil.shortDayNames[f.weekday].utf8)
            case .longWeekDay: b.append(contentsOf: GoCivil.longDayNames[f.weekday].utf8)
            case .day: appendInt(&b, f.day, 0)
            case .underDay:
                if f.day < 10 { b.append(UInt8(ascii: " ")) }
                appendInt(&b, f.day, 0)
            case .zeroDay: appendInt(&b, f.day, 2)
            case .underYearDay:
                if f.yearDay < 100 { b.append(UInt8(ascii: " ")); if f.yearDay < 10 { b.append(UInt8(ascii: " ")) } }
                appendInt(&b, f.yearDay, 0)
            case .zeroYearDay: appendInt(&b, f.yearDay, 3)
            case .hour: appendInt(&b, f.hour, 2)
            case .hour12, .zeroHour12:
                var hr = f.hour % 12
                if hr == 0 { hr = 12 }
                appendInt(&b, hr, std == .hour12 ? 0 : 2)
            case .minute: appendInt(&b, f.minute, 0)
            case .zeroMinute: appendInt(&b, f.minute, 2)
            case .second: appendInt(&b, f.second, 0)
            case .zeroSecond: appendInt(&b, f.second, 2)
            case .pm: b.append(contentsOf: (f.hour >= 12 ? "PM" : "AM").utf8)
            case .lowerPM: b.append(contentsOf: (f.hour >= 12 ? "pm" : "am").utf8)
            case .iso8601TZ, .iso8601ColonTZ, .iso8601SecondsTZ, .iso8601ShortTZ, .iso8601ColonSecondsTZ,
                 .numTZ, .numColonTZ, .numSecondsTZ, .numShortTZ, .numColonSecondsTZ:
                let iso = [Std.iso8601TZ, .iso8601ColonTZ, .iso8601SecondsTZ, .iso8601ShortTZ, .iso8601ColonSecondsTZ].contains(std)
                if f.offset == 0 && iso { b.append(UInt8(ascii: "Z")); break }
                var zone = f.offset / 60
                var absoffset = f.offset
                if zone < 0 { b.append(UInt8(ascii: "-")); zone = -zone; absoffset = -absoffset } else { b.append(UInt8(ascii: "+")) }
                appendInt(&b, zone / 60, 2)
                if [Std.iso8601ColonTZ, .numColonTZ, .iso8601ColonSecondsTZ, .numColonSecondsTZ].contains(std) {
                    b.append(UInt8(ascii: ":"))
                }
                if std != .numShortTZ && std != .iso8601ShortTZ { appendInt(&b, zone % 60, 2) }
                if [Std.iso8601SecondsTZ, .numSecondsTZ, .numColonSecondsTZ, .iso8601ColonSecondsTZ].contains(std) {
                    if std == .numColonSecondsTZ || std == .iso8601ColonSecondsTZ { b.append(UInt8(ascii: ":")) }
                    appendInt(&b, absoffset % 60, 2)
                }
            case .tz:
                if !f.zoneName.isEmpty { b.append(contentsOf: f.zoneName.utf8); break }
                var zone = f.offset / 60
                if zone < 0 { b.append(UInt8(ascii: "-")); zone = -zone } else { b.append(UInt8(ascii: "+")) }
                appendInt(&b, zone / 60, 2)
                appendInt(&b, zone % 60, 2)
            case .fracSecond0(let n, let sep), .fracSecond9(let n, let sep):
                let trim: Bool
                if case .fracSecond9 = std { trim = true } else { trim = false }
                if trim && (n == 0 || t.nsec == 0) { break }
                let mark = b.count
                b.append(sep)
                appendInt(&b, Int(t.nsec), 9)
                if n < 9 { b.removeLast(9 - n) }
                if trim {
                    while b.count > mark && b.last == UInt8(ascii: "0") { b.removeLast() }
                    if b.count > mark && b.last == sep { b.removeLast() }
                }
            }
        }
        return String(decoding: b, as: UTF8.self)
    }
}
