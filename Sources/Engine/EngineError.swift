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
    /// Parse errors: the source line and the error's index in it (OPA's error details).
    public var detail: LineDetail?

    public init(_ code: Code, _ message: String, location: SourceLocation? = nil, detail: LineDetail? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.detail = detail
    }

    /// OPA's text form: `file:row: code: message` (`row:col: …` without a file name), or
    /// `code: message` without a location; a parse error's detail follows as tab-indented lines.
    public var description: String {
        var s: String
        if let l = location {
            s = l.file.isEmpty ? "\(l.row):\(l.col): \(code.rawValue): \(message)" : "\(l.file):\(l.row): \(code.rawValue): \(message)"
        } else {
            s = "\(code.rawValue): \(message)"
        }
        if let d = detail { for line in d.lines { s += "\n\t" + line } }
        return s
    }
}

/// The source line of a parse error and the byte index of the error in it, shown as the line
/// and a caret under the index (leading tabs dropped, as OPA prints it).
public struct LineDetail: Sendable, Hashable {
    public var line: String
    public var index: Int

    public init(line: String, index: Int) {
        self.line = line
        self.index = index
    }

    /// The detail for byte `offset` of `bytes`: the line holding the last non-space byte at or
    /// before the offset (an error at the end of a line or of the text points at its last
    /// token). Bytes are tested one by one, so the UTF-8 continuation bytes 0x85 and 0xA0 count
    /// as spaces, as they do in OPA.
    public init(bytes: [UInt8], offset: Int) {
        guard !bytes.isEmpty else { self.init(line: "", index: 0); return }
        var o = min(max(offset, 0), bytes.count - 1)
        func isSpace(_ b: UInt8) -> Bool {
            b == 0x20 || (b >= 0x09 && b <= 0x0D) || b == 0x85 || b == 0xA0
        }
        func isNewline(_ b: UInt8) -> Bool { b == 0x0A || b == 0x0D }
        while o > 0 && isSpace(bytes[o]) { o -= 1 }
        var begin = o
        while begin > 0 && !isNewline(bytes[begin]) { begin -= 1 }
        if isNewline(bytes[begin]) { begin += 1 }
        var end = o
        while end < bytes.count && !isNewline(bytes[end]) { end += 1 }
        if begin > end { begin = end }
        self.init(line: String(decoding: bytes[begin..<end], as: UTF8.self), index: o - begin)
    }

    /// The line without its leading tabs, and the caret line.
    public var lines: [String] {
        let trimmed = line.drop { $0 == "\t" }
        let tabs = line.utf8.count - trimmed.utf8.count
        return [String(trimmed), String(repeating: " ", count: max(0, index - tabs)) + "^"]
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
