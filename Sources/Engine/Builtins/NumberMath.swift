import BigInt

/// Exact-where-possible arithmetic on Rego numbers: 64-bit ints with overflow into BigInt,
/// floats as Double with OPA-like decimal cleanup (`0.1 + 0.2` is `0.3`).
enum NumberMath {
    static func add(_ a: Number, _ b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.addingReportingOverflow(y)
            if !o { return .int(r) }
        }
        if let x = a.exactBigInt, let y = b.exactBigInt, a.isExactInteger, b.isExactInteger { return Number(x + y) }
        return cleaned(a.doubleValue + b.doubleValue)
    }

    static func sub(_ a: Number, _ b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.subtractingReportingOverflow(y)
            if !o { return .int(r) }
        }
        if let x = a.exactBigInt, let y = b.exactBigInt, a.isExactInteger, b.isExactInteger { return Number(x - y) }
        return cleaned(a.doubleValue - b.doubleValue)
    }

    static func mul(_ a: Number, _ b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if !o { return .int(r) }
        }
        if let x = a.exactBigInt, let y = b.exactBigInt, a.isExactInteger, b.isExactInteger { return Number(x * y) }
        return cleaned(a.doubleValue * b.doubleValue)
    }

    static func div(_ a: Number, _ b: Number) throws -> Number {
        if b.doubleValue == 0, b.isInteger || b.doubleValue == 0 { throw BuiltinError.failure("divide by zero") }
        if let x = a.exactBigInt, let y = b.exactBigInt, a.isExactInteger, b.isExactInteger, y != 0 {
            let (q, r) = x.quotientAndRemainder(dividingBy: y)
            if r == 0 { return Number(q) }
        }
        return cleaned(a.doubleValue / b.doubleValue)
    }

    static func rem(_ a: Number, _ b: Number) throws -> Number {
        guard a.isInteger, b.isInteger else { throw BuiltinError.failure("modulo on floating-point number") }
        if case .int(let x) = a, case .int(let y) = b {
            if y == 0 { throw BuiltinError.failure("modulo by zero") }
            if y == -1 { return .int(0) }
            return .int(x % y)
        }
        let x = a.exactBigInt!, y = b.exactBigInt!
        if y == 0 { throw BuiltinError.failure("modulo by zero") }
        return Number(x % y)
    }

    /// Rounds float noise from binary arithmetic to 15 significant digits when that is the
    /// shorter spelling, as OPA's decimal arithmetic would print it.
    static func cleaned(_ d: Double) -> Number {
        guard d.isFinite else { return .float(d) }
        let short = d.description
        let digits = short.filter { $0.isNumber }.count
        if digits >= 16 {
            let s = String(format15: d)
            if let r = Double(s), abs(r - d) <= abs(d) * 1e-14 { return Number(r) }
        }
        return Number(d)
    }
}

extension Number {
    /// True for `.int`/`.big`, and for floats with integral value.
    var isExactInteger: Bool { isInteger }
}

extension String {
    /// `%.15g` without Foundation.
    init(format15 d: Double) {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([d]) { vsnprintf(&buf, 64, "%.15g", $0) }
        self = String(cString: buf)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
