// Civil-calendar arithmetic with Go's `time` package semantics (proleptic Gregorian, no leap
// seconds), on Int64 seconds since the Unix epoch. Pure integer math: no Foundation calendars.

enum GoCivil {
    static let secondsPerDay: Int64 = 86_400

    /// Floor division and modulo (Swift's `/` truncates).
    @inline(__always) static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
    @inline(__always) static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
    }

    static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysIn(month m: Int, year y: Int64) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days before the first of each month in a non-leap year (index 0 = January).
    static let daysBefore: [Int] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]

    /// Days since 1970-01-01 of the civil date (month 1…12, day may overflow: it is added).
    static func days(year: Int64, month: Int, day: Int64) -> Int64 {
        let y = month <= 2 ? year &- 1 : year
        let era = (y >= 0 ? y : y &- 399) / 400
        let yoe = y &- era &* 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 &* mp &+ 2) / 5
        let doe = yoe &* 365 &+ yoe / 4 &- yoe / 100 &+ doy
        return era &* 146_097 &+ doe &- 719_468 &+ (day &- 1)
    }

    /// Civil date of a day count since 1970-01-01.
    static func civil(days z0: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = z0 &+ 719_468
        let era = (z >= 0 ? z : z &- 146_096) / 146_097
        let doe = z &- era &* 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe &+ era &* 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, Int(m), Int(d))
    }

    /// 0 = Sunday … 6 = Saturday.
    static func weekday(days: Int64) -> Int { Int(floorMod(days &+ 4, 7)) }

    /// 1-based day of the year.
    static func yearDay(year: Int64, month: Int, day: Int) -> Int {
        var d = daysBefore[month - 1] + day
        if isLeap(year) && month > 2 { d += 1 }
        return d
    }

    static let longDayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let shortDayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let longMonthNames = ["January", "February", "March", "April", "May", "June", "July",
                                 "August", "September", "October", "November", "December"]
    static let shortMonthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Go's norm: moves overflow of `lo` (in base) into `hi`.
    @inline(__always) static func norm(_ hi: Int64, _ lo: Int64, _ base: Int64) -> (Int64, Int64) {
        var hi = hi, lo = lo
        if lo < 0 {
            let n = (-lo &- 1) / base &+ 1
            hi = hi &- n
            lo = lo &+ n &* base
        }
        if lo >= base {
            let n = lo / base
            hi = hi &+ n
            lo = lo &- n &* base
        }
        return (hi, lo)
    }
}

/// An instant plus the zone it is viewed in (Go's time.Time restricted to what OPA uses).
struct GoTime {
    var unixSec: Int64
    var nsec: Int64  // 0 ..< 1e9
    var zone: GoZone

    init(unixSec: Int64, nsec: Int64, zone: GoZone) {
        self.unixSec = unixSec
        self.nsec = nsec
        self.zone = zone
    }

    init(unixNano ns: Int64, zone: GoZone) {
        unixSec = GoCivil.floorDiv(ns, 1_000_000_000)
        nsec = GoCivil.floorMod(ns, 1_000_000_000)
        self.zone = zone
    }

    /// The wall-clock fields in `zone`.
    struct Fields {
        var year: Int64, month: Int, day: Int, hour: Int, minute: Int, second: Int
        var weekday: Int, yearDay: Int
        var zoneName: String, offset: Int
    }

    var fields: Fields {
        let z = zone.lookup(unixSec)
        let local = unixSec &+ Int64(z.offset)
        let days = GoCivil.floorDiv(local, GoCivil.secondsPerDay)
        let sod = Int(local &- days &* GoCivil.secondsPerDay)
        let c = GoCivil.civil(days: days)
        return Fields(year: c.year, month: c.month, day: c.day, hour: sod / 3600, minute: (sod / 60) % 60,
                      second: sod % 60, weekday: GoCivil.weekday(days: days),
                      yearDay: GoCivil.yearDay(year: c.year, month: c.month, day: c.day),
                      zoneName: z.name, offset: z.offset)
    }

    /// Go's time.Date: normalises every field, then resolves the zone offset.
    static func date(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64,
                     nsec: Int64, zone: GoZone) -> GoTime {
        let (y, m) = GoCivil.norm(year, month &- 1, 12)
        let (s1, ns) = GoCivil.norm(second, nsec, 1_000_000_000)
        let (mi, sec) = GoCivil.norm(minute, s1, 60)
        let (h, mn) = GoCivil.norm(hour, mi, 60)
        let (d, hr) = GoCivil.norm(day, h, 24)
        let days = GoCivil.days(year: y, month: Int(m) + 1, day: d)
        var unix = days &* GoCivil.secondsPerDay &+ hr &* 3600 &+ mn &* 60 &+ sec
        // Go: look the zone up at `unix` as if it were UTC, then correct near transitions.
        let z = zone.lookup(unix)
        if z.offset != 0 {
            let utc = unix &- Int64(z.offset)
            var offset = z.offset
            if utc < z.start || utc >= z.end { offset = zone.lookup(utc).offset }
            unix = unix &- Int64(offset)
        }
        return GoTime(unixSec: unix, nsec: ns, zone: zone)
    }

    /// Go's AddDate.
    func addingDate(years: Int64, months: Int64, days: Int64) -> GoTime {
        let f = fields
        return GoTime.date(year: f.year &+ years, month: Int64(f.month) &+ months, day: Int64(f.day) &+ days,
                           hour: Int64(f.hour), minute: Int64(f.minute), second: Int64(f.second), nsec: nsec,
                           zone: zone)
    }

    /// Nanoseconds since the epoch, or nil when outside Int64 (OPA: "time outside of valid range").
    var unixNano: Int64? {
        // Negative instants: (sec+1)*1e9 - (1e9-nsec), so Int64.min itself is reachable.
        if unixSec < 0 {
            let (hi, o1) = (unixSec + 1).multipliedReportingOverflow(by: 1_000_000_000)
            if o1 { return nil }
            let (r, o2) = hi.subtractingReportingOverflow(1_000_000_000 - nsec)
            return o2 ? nil : r
        }
        let (hi, o1) = unixSec.multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return nil }
        let (r, o2) = hi.addingReportingOverflow(nsec)
        return o2 ? nil : r
    }
}
