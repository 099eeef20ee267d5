/// One builtin function: its name, how many arguments it takes, and its implementation.
/// Families (one file each: Strings.swift, Time.swift, …) expose `static let builtins: [Builtin]`,
/// and `BuiltinRegistry` collects them. The argument and result types that the compiler's type
/// checker uses come from OPA's capabilities list (see BuiltinRegistry).
public struct Builtin: Sendable {
    /// Returns the result, or nil for "undefined". Throws `BuiltinError` for OPA's
    /// eval_type_error / eval_builtin_error (the evaluator adds the builtin's name and location,
    /// and, outside strict mode, turns builtin errors into undefined as OPA does).
    public typealias Implementation = @Sendable (_ args: Arguments, _ context: EvalContext) throws -> Value?

    public let name: String
    public let arity: Int
    /// False for builtins whose answer depends on more than their arguments (time, rand, uuid):
    /// their results are memoised per evaluation via `EvalContext.memo` and never constant-folded.
    public let isDeterministic: Bool
    public let implementation: Implementation

    public init(_ name: String, arity: Int, deterministic: Bool = true, _ implementation: @escaping Implementation) {
        self.name = name
        self.arity = arity
        self.isDeterministic = deterministic
        self.implementation = implementation
    }
}

/// Why a builtin call failed, in OPA's two kinds.
public struct BuiltinError: Error, Sendable {
    public enum Kind: Sendable { case type, builtin }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// `operand 2 must be string but got number` (OPA's exact wording).
    public static func operandType(_ position: Int, expected: String, got: Value) -> BuiltinError {
        BuiltinError(.type, "operand \(position) must be \(expected) but got \(got.typeName)")
    }

    public static func failure(_ message: String) -> BuiltinError { BuiltinError(.builtin, message) }
}

/// The arguments of one builtin call. A struct (not a bare array) so the evaluator can change
/// how it passes arguments without touching any builtin.
public struct Arguments: Sendable {
    public let values: [Value]
    public init(_ values: [Value]) { self.values = values }
    @inlinable public var count: Int { values.count }
    @inlinable public subscript(i: Int) -> Value { values[i] }

    // Typed operand access by 0-based index; errors name the 1-based position as OPA does.
    public func string(_ i: Int) throws -> String {
        if case .string(let s) = values[i] { return s }
        throw BuiltinError.operandType(i + 1, expected: "string", got: values[i])
    }
    public func number(_ i: Int) throws -> Number {
        if case .number(let n) = values[i] { return n }
        throw BuiltinError.operandType(i + 1, expected: "number", got: values[i])
    }
    public func int(_ i: Int) throws -> Int {
        let n = try number(i)
        guard let v = n.exactInt else { throw BuiltinError(.type, "operand \(i + 1) must be integer number but got floating-point number") }
        return v
    }
    public func bool(_ i: Int) throws -> Bool {
        if case .bool(let b) = values[i] { return b }
        throw BuiltinError.operandType(i + 1, expected: "boolean", got: values[i])
    }
    public func array(_ i: Int) throws -> [Value] {
        if case .array(let a) = values[i] { return a }
        throw BuiltinError.operandType(i + 1, expected: "array", got: values[i])
    }
    public func object(_ i: Int) throws -> ObjectValue {
        if case .object(let o) = values[i] { return o }
        throw BuiltinError.operandType(i + 1, expected: "object", got: values[i])
    }
    public func set(_ i: Int) throws -> SetValue {
        if case .set(let s) = values[i] { return s }
        throw BuiltinError.operandType(i + 1, expected: "set", got: values[i])
    }
}
