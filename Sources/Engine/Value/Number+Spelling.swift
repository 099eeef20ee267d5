/// The text a number was written as, kept beside its value when the two differ.
///
/// OPA keeps every number as the text it was written as (a Go `json.Number`) until arithmetic
/// touches it: `5.0`, `1e2`, `-0` and `1.50` are echoed as written, become object keys `"5.0"`…,
/// are signed and marshalled as written, and a few builtins read the text (an exponent is not an
/// integer to `substring`, `array.slice` or `providers.aws.sign_req`). Most numbers are written
/// the way we print them, so only the others carry a `SpelledNumber`: a boxed case that the
/// integer fast paths never see. Equality, order and hashing are by value (`1 == 1.0`).
public struct SpelledNumber: Sendable {
    /// The number itself; never `.spelled`.
    public let value: Number
    /// The text as written (valid JSON number text, possibly with a leading `-`).
    public let text: String
}

extension Number {
    /// The number without its spelling: what arithmetic and comparison see.
    @inlinable
    public var unspelled: Number {
        if case .spelled(let s) = self { return s.value }
        return self
    }

    /// `value` keeping `text` when `text` is not how `value` prints (validated number text).
    static func spelling(_ value: Number, _ text: UnsafeBufferPointer<UInt8>) -> Number {
        if value.description.utf8.elementsEqual(text) { return value }
        return .spelled(SpelledNumber(value: value, text: String(decoding: text, as: UTF8.self)))
    }

    /// True when the number's text has an exponent (`1e2`, `1.5E+3`, a printed `1e+21`).
    var textHasExponent: Bool {
        switch self {
        case .int, .big: return false
        default: return description.utf8.contains { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        }
    }

    /// The value as OPA's `Number.Int64` reads the text: an integer written without an exponent
    /// (`5`, `5.0`, `-0.0`; not `1e0`; with a fraction, 18 digits at most), within 64 bits. Integer operands of builtins
    /// (`substring`, `array.slice`), sprintf's int64 arguments and `sign_req`'s time use it.
    @inlinable
    public var writtenInt: Int? {
        if case .int(let i) = self { return i }
        return writtenIntSlow
    }

    @usableFromInline
    var writtenIntSlow: Int? {
        switch self {
        case .int(let i): return i
        case .spelled(let s):
            // No exponent; with a fraction, at most 18 digits (`1.00000000000000000` is an
            // integer to OPA, `1.000000000000000000` is not).
            let t = s.text.utf8
            if t.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) { return nil }
            if t.contains(UInt8(ascii: ".")), t.count - (t.first == UInt8(ascii: "-") ? 1 : 0) > 19 { return nil }
            return s.value.exactInt
        default: return textHasExponent ? nil : exactInt
        }
    }
}
