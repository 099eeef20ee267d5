// Rego values: JSON plus sets, with Rego's total order and byte-wise string semantics.
//
// Invariants (see docs/engine.md):
// - Strings compare and order by their UTF-8 bytes, never by Swift's canonical equivalence.
// - Objects and sets are stored sorted in Rego's value order, so iteration and output are
//   deterministic and match OPA's.
// - Numbers compare by value: `1 == 1.0`.
// - Containers are copy-on-write or immutable boxes; copying a Value never copies elements.

public enum Value: Sendable {
    case null
    case bool(Bool)
    case number(Number)
    case string(String)
    case array([Value])
    case object(ObjectValue)
    case set(SetValue)
}

extension Value {
    public static let `true` = Value.bool(true)
    public static let `false` = Value.bool(false)
    public static let emptyObject = Value.object(ObjectValue())
    public static let emptySet = Value.set(SetValue())
    public static let emptyArray = Value.array([])

    public static func int(_ i: Int) -> Value { .number(.int(i)) }
    public static func double(_ d: Double) -> Value { .number(Number(d)) }

    /// OPA's type names, as used in error messages ("operand 1 must be string but got number").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .set: return "set"
        }
    }

    /// Rank in Rego's cross-type order: null < boolean < number < string < array < object < set.
    @inlinable
    var typeRank: Int {
        switch self {
        case .null: return 0
        case .bool: return 1
        case .number: return 2
        case .string: return 3
        case .array: return 4
        case .object: return 5
        case .set: return 6
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var numberValue: Number? { if case .number(let n) = self { return n } else { return nil } }
    public var arrayValue: [Value]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: ObjectValue? { if case .object(let o) = self { return o } else { return nil } }
    public var setValue: SetValue? { if case .set(let s) = self { return s } else { return nil } }

    /// True only for the boolean `true`. Rego's truthiness: any defined value other than `false`
    /// satisfies an expression; this helper is for places that need the literal `true`.
    public var isTrue: Bool { if case .bool(true) = self { return true } else { return false } }

    /// Collections: element count; strings: count of Unicode scalars (OPA counts runes).
    public var count: Int? {
        switch self {
        case .string(let s): return s.unicodeScalars.count
        case .array(let a): return a.count
        case .object(let o): return o.count
        case .set(let s): return s.count
        default: return nil
        }
    }

    /// Looks up `key` in an object (by key), array (by integer index) or set (membership → the
    /// element itself). Nil means undefined. An array index is an integer written without an
    /// exponent (`a[1.0]` is `a[1]`, `a[1e0]` is undefined, as in OPA).
    @inlinable
    public subscript(key: Value) -> Value? {
        switch self {
        case .object(let o): return o[key]
        case .array(let a):
            guard case .number(let n) = key, let i = n.writtenInt, i >= 0, i < a.count else { return nil }
            return a[i]
        case .set(let s): return s.contains(key) ? key : Optional<Value>.none
        default: return nil
        }
    }

    /// Object field lookup by string key: the common case on the hot path (`input.agent.role`).
    @inlinable
    public subscript(field: String) -> Value? {
        if case .object(let o) = self { return o[field] }
        return nil
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(.int(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .number(Number(value)) }
}

extension Value: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (Value, Value)...) {
        self = .object(ObjectValue(pairs: elements))
    }
}

extension Value: CustomStringConvertible {
    /// Rego-ish text: JSON for JSON values, `{1, 2}` for sets. For diagnostics and `print`.
    public var description: String { RegoFormatter.format(self) }
}
