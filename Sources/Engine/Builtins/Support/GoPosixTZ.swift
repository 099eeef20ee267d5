// POSIX TZ rule strings (the TZif footer, e.g. "EST5EDT,M3.2.0,M11.1.0"), evaluated as Go's
// time package does for instants after a zone's last explicit transition.

enum GoPosixTZ {
    private enum RuleKind { case julian, doy, monthWeekDay }
    private struct Rule { var kind: RuleKind; var day = 0, week = 0, mon = 0; var time = 7200 }

    static func evaluate(_ tz: String, lastTransition: Int64, sec: Int64) -> GoZone.Period? {
        var s = Substring(tz)
        guard var stdName = name(&s), var stdOffset = offset(&s) else { return nil }
        stdOffset = -stdOffset
        if s.isEmpty || s.first == "," {
            return GoZone.Period(name: stdName, offset: stdOffset, start: lastTransition, end: GoZone.omega)
        }
        guard var dstName = name(&s) else { return nil }
        var dstOffset: Int
        if s.isEmpty || s.first == "," {
            dstOffset = stdOffset + 3600
        } else {
            guard let o = offset(&s) else { return nil }
            dstOffset = -o
        }
        if s.isEmpty { s = ",M3.2.0,M11.1.0" }
        guard s.first == "," || s.first == ";" else { return nil }
        s = s.dropFirst()
        guard let startRule = rule(&s), s.first == "," else { return nil }
        s = s.dropFirst()
        guard let endRule = rule(&s), s.isEmpty else { return nil }

        // Year and day-of-year of `sec` in UTC, as Go computes them here.
        let days = GoCivil.floorDiv(sec, GoCivil.secondsPerDay)
        let c = GoCivil.civil(days: days)
        let yday = Int64(GoCivil.yearDay(year: c.year, month: c.month, day: c.day) - 1)
        let ysec = yday * GoCivil.secondsPerDay + sec % GoCivil.secondsPerDay
        let abs = GoCivil.days(year: c.year, month: 1, day: 1) * GoCivil.secondsPerDay
        var startSec = Int64(ruleTime(year: c.year, startRule, stdOffset))
        var endSec = Int64(ruleTime(year: c.year, endRule, dstOffset))
        if endSec < startSec {
            swap(&startSec, &endSec)
            swap(&stdName, &dstName)
            swap(&stdOffset, &dstOffset)
        }
        if ysec < startSec {
            return GoZone.Period(name: stdName, offset: stdOffset, start: abs, end: startSec + abs)
        } else if ysec >= endSec {
            return GoZone.Period(name: stdName, offset: stdOffset, start: endSec + abs,
                                 end: abs + 365 * GoCivil.secondsPerDay)
        }
        return GoZone.Period(name: dstName, offset: dstOffset, start: startSec + abs, end: endSec + abs)
    }

    private static func name(_ s: inout Substring) -> String? {
        if s.first == "<" {
            guard let e = s.firstIndex(of: ">") else { return nil }
            let n = String(s[s.index(after: s.startIndex)..<e])
            s = s[s.index(after: e)...]
            return n
        }
        var i = s.startIndex
        while i < s.endIndex, let a = s[i].asciiValue, !(a >= 0x30 && a <= 0x39), a != 0x2C, a != 0x2D, a != 0x2B {
            i = s.index(after: i)
        }
        guard s.distance(from: s.startIndex, to: i) >= 3 else { return nil }
        let n = String(s[..<i])
        s = s[i...]
        return n
    }

    private static func num(_ s: inout Substring, min: Int, max: Int) -> Int? {
        var v = 0, n = 0
        while let c = s.first?.asciiValue, c >= 0x30, c <= 0x39 {
            v = v * 10 + Int(c - 0x30)
            if v > max { return nil }
            s = s.dropFirst()
            n += 1
        }
        return n == 0 || v < min ? nil : v
    }

    /// [+-]hh[:mm[:ss]] in seconds.
    private static func offset(_ s: inout Substring) -> Int? {
        var neg = false
        if s.first == "+" { s = s.dropFirst() } else if s.first == "-" { neg = true; s = s.dropFirst() }
        guard let h = num(&s, min: 0, max: 24 * 7) else { return nil }
        var off = h * 3600
        if s.first == ":" {
            s = s.dropFirst()
            guard let m = num(&s, min: 0, max: 59) else { return nil }
            off += m * 60
            if s.first == ":" {
                s = s.dropFirst()
                guard let sec = num(&s, min: 0, max: 59) else { return nil }
                off += sec
            }
        }
        return neg ? -off : off
    }

    private static func rule(_ s: inout Substring) -> Rule? {
        var r: Rule
        if s.first == "J" {
            s = s.dropFirst()
            guard let d = num(&s, min: 1, max: 365) else { return nil }
            r = Rule(kind: .julian, day: d)
        } else if s.first == "M" {
            s = s.dropFirst()
            guard let m = num(&s, min: 1, max: 12), s.first == "." else { return nil }
            s = s.dropFirst()
            guard let w = num(&s, min: 1, max: 5), s.first == "." else { return nil }
            s = s.dropFirst()
            guard let d = num(&s, min: 0, max: 6) else { return nil }
            r = Rule(kind: .monthWeekDay, day: d, week: w, mon: m)
        } else {
            guard let d = num(&s, min: 0, max: 365) else { return nil }
            r = Rule(kind: .doy, day: d)
        }
        if s.first == "/" {
            s = s.dropFirst()
            guard let o = offset(&s) else { return nil }
            r.time = o
        }
        return r
    }

    private static func ruleTime(year: Int64, _ r: Rule, _ off: Int) -> Int {
        let spd = 86_400
        var s: Int
        switch r.kind {
        case .julian:
            s = (r.day - 1) * spd
            if GoCivil.isLeap(year) && r.day >= 60 { s += spd }
        case .doy:
            s = r.day * spd
        case .monthWeekDay:
            let m1 = (r.mon + 9) % 12 + 1
            var yy0 = Int(year)
            if r.mon <= 2 { yy0 -= 1 }
            let yy1 = yy0 / 100, yy2 = yy0 % 100
            var dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7
            if dow < 0 { dow += 7 }
            var d = r.day - dow
            if d < 0 { d += 7 }
            var i = 1
            while i < r.week {
                if d + 7 >= GoCivil.daysIn(month: r.mon, year: year) { break }
                d += 7
                i += 1
            }
            d += GoCivil.daysBefore[r.mon - 1]
            if GoCivil.isLeap(year) && r.mon > 2 { d += 1 }
            s = d * spd
        }
        return s + r.time - off
    }
}
