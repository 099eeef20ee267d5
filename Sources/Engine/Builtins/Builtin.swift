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

    /// Given what the compiler knows of a call's arguments (`CallSite`), returns an
    /// implementation specialised for them, or nil. The compiler asks once per call site, so
    /// work that depends only on constants (parsing a `sprintf` format, compiling a regex
    /// pattern) is not repeated per call. The result must answer exactly as `implementation`
    /// does for every argument list (candidates are a hint, not a promise).
    public typealias Specializer = @Sendable (_ site: CallSite) -> Specialization?
    public let specializer: Specializer?

    /// What the compiler knows of one call site's arguments, by position.
    public struct CallSite: Sendable {
        /// The argument's value when it is a constant, else nil.
        public let constants: [Value?]
        /// Values the argument is likely to take, as far as the compiler can see (a constant;
        /// the elements of a constant collection a variable iterates over), else nil. At run
        /// time the argument may still be any other value.
        public let candidates: [[Value]?]
        public init(constants: [Value?], candidates: [[Value]?]? = nil) {
            self.constants = constants
            self.candidates = candidates ?? constants.map { $0.map { [$0] } }
        }
    }

    /// A specialised implementation. A struct rather than an optional closure: a closure held
    /// in an `Optional` is stored at the most general abstraction, and calling it goes through
    /// reabstraction thunks that copy the arguments.
    public struct Specialization: Sendable {
        public let implementation: Implementation
        public init(_ implementation: @escaping Implementation) { self.implementation = implementation }
    }

    public init(_ name: String, arity: Int, deterministic: Bool = true, specialize: Specializer? = nil,
                _ implementation: @escaping Implementation) {
        self.name = name
        self.arity = arity
        self.isDeterministic = deterministic
        self.specializer = specialize
        self.implementation = implementation
    }
}

/// Why a builtin call failed, in OPA's two kinds.
public struct BuiltinError: Error, Sendable {
    public enum Kind: Sendable { case type, builtin }
    public let kind: Kind
    public let message: String
    /// Aborts evaluation even outside strict mode (OPA's http.send errors do).
    public let halts: Bool
    /// An evaluation error of another code, reported as it is (no builtin-name prefix) and
    /// halting, as OPA's builtins that return topdown errors do (`internal.template_string`).
    public let code: EngineError.Code?

    public init(_ kind: Kind, _ message: String, halts: Bool = false) {
        self.kind = kind
        self.message = message
        self.halts = halts
        self.code = nil
    }

    private init(code: EngineError.Code, _ message: String) {
        self.kind = .builtin
        self.message = message
        self.halts = true
        self.code = code
    }

    /// `eval_conflict_error: …`, `eval_internal_error: …` raised by a builtin.
    public static func evaluation(_ code: EngineError.Code, _ message: String) -> BuiltinError {
        BuiltinError(code: code, message)
    }

    /// `operand 2 must be string but got number` (OPA's exact wording).
    public static func operandType(_ position: Int, expected: String, got: Value) -> BuiltinError {
        BuiltinError(.type, "operand \(position) must be \(expected) but got \(got.typeName)")
    }

    public static func failure(_ message: String) -> BuiltinError { BuiltinError(.builtin, message) }
}

/// The arguments of one builtin call. A struct (not a bare array) so the evaluator can change
/// how it passes arguments without touching any builtin: up to three arguments (nearly every
/// call) are held inline, so a call allocates no array; more go in `spill`.
public struct Arguments: Sendable {
    public let count: Int
    @usableFromInline let a0: Value
    @usableFromInline let a1: Value
    @usableFromInline let a2: Value
    /// Every argument when there are more than three (empty otherwise).
    @usableFromInline let spill: [Value]

    public init(_ values: [Value]) {
        count = values.count
        if values.count > 3 {
            a0 = .null; a1 = .null; a2 = .null
            spill = values
        } else {
            a0 = values.count > 0 ? values[0] : .null
            a1 = values.count > 1 ? values[1] : .null
            a2 = values.count > 2 ? values[2] : .null
            spill = []
        }
    }

    /// Up to three arguments without an array (`count` ≤ 3; unused ones are ignored).
    @inlinable init(count: Int, _ a0: Value, _ a1: Value, _ a2: Value) {
        self.count = count
        self.a0 = a0
        self.a1 = a1
        self.a2 = a2
        spill = []
    }

    /// The arguments as an array (allocates for inline arguments; for `print` and memo keys).
    public var values: [Value] {
        switch count {
        case 0: return []
        case 1: return [a0]
        case 2: return [a0, a1]
        case 3: return [a0, a1, a2]
        default: return spill
        }
    }

    @inlinable public subscript(i: Int) -> Value {
        if count > 3 { return spill[i] }
        precondition(i >= 0 && i < count, "argument index out of range")
        switch i {
        case 0: return a0
        case 1: return a1
        default: return a2
        }
    }

    // Typed operand access by 0-based index; errors name the 1-based position as OPA does.
    public func string(_ i: Int) throws -> String {
        if case .string(let s) = self[i] { return s }
        throw BuiltinError.operandType(i + 1, expected: "string", got: self[i])
    }
    public func number(_ i: Int) throws -> Number {
        if case .number(let n) = self[i] { return n }
        throw BuiltinError.operandType(i + 1, expected: "number", got: self[i])
    }
    public func int(_ i: Int) throws -> Int {
        let n = try number(i)
        // OPA's integer operands read the text: `1.0` is an integer, `1e0` is not.
        guard let v = n.writtenInt else { throw BuiltinError(.type, "operand \(i + 1) must be integer number but got floating-point number") }
        return v
    }
    /// An integer operand by value, whatever its spelling (`1e0` included).
    public func integerValue(_ i: Int) throws -> Int {
        let n = try number(i)
        guard let v = n.exactInt else { throw BuiltinError(.type, "operand \(i + 1) must be integer number but got floating-point number") }
        return v
    }
    public func bool(_ i: Int) throws -> Bool {
        if case .bool(let b) = self[i] { return b }
        throw BuiltinError.operandType(i + 1, expected: "boolean", got: self[i])
    }
    public func array(_ i: Int) throws -> [Value] {
        if case .array(let a) = self[i] { return a }
        throw BuiltinError.operandType(i + 1, expected: "array", got: self[i])
    }
    public func object(_ i: Int) throws -> ObjectValue {
        if case .object(let o) = self[i] { return o }
        throw BuiltinError.operandType(i + 1, expected: "object", got: self[i])
    }
    public func set(_ i: Int) throws -> SetValue {
        if case .set(let s) = self[i] { return s }
        throw BuiltinError.operandType(i + 1, expected: "set", got: self[i])
    }
}
