/// Where something is in Rego source: file name, 1-based row and column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var row: Int
    public var col: Int
    public init(file: String, row: Int, col: Int) {
        self.file = file
        self.row = row
        self.col = col
    }
    public var description: String { "\(file):\(row):\(col)" }
}

/// An error from parsing, compiling or evaluating Rego, with OPA's stable code strings so
/// users (and the conformance harness) can match on them.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let parseError = Code(rawValue: "rego_parse_error")
        public static let compileError = Code(rawValue: "rego_compile_error")
        public static let typeError = Code(rawValue: "rego_type_error")
        public static let unsafeVarError = Code(rawValue: "rego_unsafe_var_error")
        public static let recursionError = Code(rawValue: "rego_recursion_error")
        public static let evalTypeError = Code(rawValue: "eval_type_error")
        public static let evalBuiltinError = Code(rawValue: "eval_builtin_error")
        public static let evalConflictError = Code(rawValue: "eval_conflict_error")
        public static let evalCancelError = Code(rawValue: "eval_cancel_error")
        public static let evalInternalError = Code(rawValue: "eval_internal_error")
        /// A step, depth or time budget was exceeded.
        public static let evalLimitError = Code(rawValue: "eval_limit_error")
    }

    public var code: Code
    public var message: String
    public var location: SourceLocation?

    public init(_ code: Code, _ message: String, location: SourceLocation? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    /// OPA's text form: `file:row: code: message`, or `code: message` without a location.
    public var description: String {
        if let l = location { return "\(l.file):\(l.row): \(code.rawValue): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}

/// Several compile errors at once (OPA reports up to 10).
public struct EngineErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [EngineError]
    public init(_ errors: [EngineError]) { self.errors = errors }
    public var description: String {
        errors.count == 1 ? errors[0].description
            : "\(errors.count) errors occurred:\n" + errors.map(\.description).joined(separator: "\n")
    }
}
