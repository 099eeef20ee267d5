/// The time builtins: instants are Int64 nanoseconds since the Unix epoch; operands may also be
/// `[ns, "Zone/Name"]` (and for time.format `[ns, zone, layout]`). Go's time semantics throughout
/// (see Support/GoCivilTime.swift, GoZone.swift, GoTimeLayout.swift, GoTimeParse.swift).
enum TimeBuiltins {
    static let builtins: [Builtin] = [
        Builtin("time.now_ns", arity: 0, deterministic: false) { _, ctx in .int(Int(ctx.nowNs)) },
        Builtin("time.parse_ns", arity: 2) { args, _ in
            let layout = try args.string(0), value = try args.string(1)
            return try parsed(layout: GoLayout.named[layout] ?? layout, value: value)
        },
        Builtin("time.parse_rfc3339_ns", arity: 1) { args, _ in
            try parsed(layout: "2006-01-02T15:04:05Z07:00", value: try args.string(0))
        },
        Builtin("time.parse_duration_ns", arity: 1) { args, _ in
            do { return .int(Int(try GoDuration.parseWithDays(try args.string(0)))) } catch let e as GoDuration.ParseError {
                throw BuiltinError(.builtin, e.message)
            }
        },
        Builtin("time.date", arity: 1) { args, _ in
            let f = try zonedTime(args[0]).time.fields
            return .array([.int(Int(f.year)), .int(f.month), .int(f.day)])
        },
        Builtin("time.clock", arity: 1) { args, _ in
            let f = try zonedTime(args[0]).time.fields
            return .array([.int(f.hour), .int(f.minute), .int(f.second)])
        },
        Builtin("time.weekday", arity: 1) { args, _ in
            .string(GoCivil.longDayNames[try zonedTime(args[0]).time.fields.weekday])
        },
        Builtin("time.add_date", arity: 4) { args, _ in
            let t = try zonedTime(args[0]).time
            let y = try args.int(1), m = try args.int(2), d = try args.int(3)
            return try nanos(t.addingDate(years: Int64(y), months: Int64(m), days: Int64(d)))
        },
        Builtin("time.diff", arity: 2) { args, _ in
            var t1 = try zonedTime(args[0]).time
            var t2 = try zonedTime(args[1]).time
            t2.zone = t1.zone
            if (t1.unixSec, t1.nsec) > (t2.unixSec, t2.nsec) { swap(&t1, &t2) }
            return .array(diff(t1.fields, t2.fields).map { .int($0) })
        },
        Builtin("time.format", arity: 1) { args, _ in
            let z = try zonedTime(args[0])
            return .string(GoLayout.format(z.time, layout: GoLayout.named[z.layout] ?? z.layout))
        },
    ]

    private static func parsed(layout: String, value: String) throws -> Value {
        var r: (sec: Int64, nsec: Int64)
        if layout == "2006-01-02T15:04:05Z07:00" || layout == "2006-01-02T15:04:05.999999999Z07:00",
           let fast = GoLayout.parseRFC3339Fast(value) {
            return try nanos(GoTime(unixSec: fast.sec, nsec: fast.nsec, zone: .utc))
        }
        do { r = try GoLayout.parse(layout: layout, value: value) } catch let e as GoTimeParseError {
            throw BuiltinError(.builtin, e.message)
        }
        return try nanos(GoTime(unixSec: r.sec, nsec: r.nsec, zone: .utc))
    }

    private static func nanos(_ t: GoTime) throws -> Value {
        guard let ns = t.unixNano else { throw BuiltinError(.builtin, "time outside of valid range") }
        return .int(Int(ns))
    }

    /// OPA's tzTime: a number, or [ns, tz] / [ns, tz, layout].
    private static func zonedTime(_ v: Value) throws -> (time: GoTime, layout: String) {
        let expected = "either number (ns) or [number (ns), string (tz)]"
        var nsValue: Value
        var zone = GoZone.utc
        var layout = "2006-01-02T15:04:05.999999999Z07:00"
        switch v {
        case .number:
            nsValue = v
        case .array(let a):
            guard let first = a.first else { throw BuiltinError.operandType(1, expected: expected, got: v) }
            guard case .number = first else { throw BuiltinError.operandType(1, expected: "number", got: first) }
            nsValue = first
            if a.count > 1 {
                guard case .string(let tz) = a[1] else { throw BuiltinError.operandType(1, expected: "string", got: a[1]) }
                do { zone = try GoZone.load(tz) } catch let e as GoZone.LoadError { throw BuiltinError(.builtin, e.message) }
            }
            if a.count > 2 {
                guard case .string(let l) = a[2] else { throw BuiltinError.operandType(1, expected: "string", got: a[2]) }
                if !l.isEmpty { layout = l }  // OPA: an empty layout keeps the default
            }
        default:
            throw BuiltinError.operandType(1, expected: expected, got: v)
        }
        guard case .number(let n) = nsValue, let ns = exactInt64(n) else {
            throw BuiltinError(.builtin, "timestamp too big")
        }
        return (GoTime(unixNano: ns, zone: zone), layout)
    }

    private static func exactInt64(_ n: Number) -> Int64? {
        switch n {
        case .int(let i): return Int64(i)
        case .big: return nil
        case .spelled(let s): return exactInt64(s.value)
        case .wide(let box):
            let w = box.value
            guard w.isFinite, w.rounded(.towardZero) == w, w >= -9.223372036854775808e18, w < 9.223372036854775808e18 else { return nil }
            return Int64(w)
        case .float(let d):
            guard d.isFinite, d.rounded(.towardZero) == d, d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return nil }
            return Int64(d)
        }
    }

    /// OPA's time.diff normalisation (years, months, days, hours, minutes, seconds).
    private static func diff(_ a: GoTime.Fields, _ b: GoTime.Fields) -> [Int] {
        var year = Int(b.year - a.year), month = b.month - a.month, day = b.day - a.day
        var hour = b.hour - a.hour, minute = b.minute - a.minute, sec = b.second - a.second
        if sec < 0 { sec += 60; minute -= 1 }
        if minute < 0 { minute += 60; hour -= 1 }
        if hour < 0 { hour += 24; day -= 1 }
        if day < 0 {
            // Days in a's month: the day-of-month of "the 32nd" overflowing into the next month.
            let t = GoCivil.civil(days: GoCivil.days(year: a.year, month: a.month, day: 32))
            day += 32 - t.day
            month -= 1
        }
        if month < 0 { month += 12; year -= 1 }
        return [year, month, day, hour, minute, sec]
    }
}
