/// Writes `Value`s as JSON bytes. Sets become arrays in Rego order; object keys that are not
/// strings are written as their JSON text (as OPA does: `{1: "a"}` → `{"1":"a"}`), members then
/// ordered by that text as Go's encoding/json orders map keys.
public struct JSONWriter {
    public struct Options: Sendable {
        /// Go's encoding/json escapes `<`, `>`, `&`, U+2028 and U+2029; `json.marshal` does too.
        public var escapeHTML = false
        /// Indentation per level (pretty output), or nil for compact output.
        public var indent: String? = nil
        /// Prefix written at the start of every new line in pretty output.
        public var prefix: String = ""
        public init(escapeHTML: Bool = false, indent: String? = nil, prefix: String = "") {
            self.escapeHTML = escapeHTML
            self.indent = indent
            self.prefix = prefix
        }
    }

    public private(set) var bytes: [UInt8] = []
    public let options: Options

    public init(options: Options = Options(), reserve: Int = 256) {
        self.options = options
        bytes.reserveCapacity(reserve)
    }

    public static func string(_ v: Value, options: Options = Options()) -> String {
        var w = JSONWriter(options: options)
        w.write(v)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    public static func data(_ v: Value, options: Options = Options()) -> [UInt8] {
        var w = JSONWriter(options: options)
        w.write(v)
        return w.bytes
    }

    public mutating func write(_ v: Value) { write(v, level: 0) }

    public mutating func appendRaw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    private mutating func newline(_ level: Int) {
        guard let indent = options.indent else { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: options.prefix.utf8)
        for _ in 0..<level { bytes.append(contentsOf: indent.utf8) }
    }

    private mutating func write(_ v: Value, level: Int) {
        switch v {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let b): bytes.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): writeNumber(n)
        case .string(let s): writeString(s)
        case .array(let a): writeSequence(a, level: level)
        case .set(let s): writeSequence(s.elements, level: level)
        case .object(let o):
            if o.isEmpty {
                bytes.append(contentsOf: "{}".utf8)
                return
            }
            bytes.append(UInt8(ascii: "{"))
            // Keys sort in Rego order, where strings sit between scalars and composites: with a
            // string first and last key, every key is a string and Rego order is byte order.
            if case .string? = o.keys.first, case .string? = o.keys.last {
                var first = true
                for (k, val) in o.pairs {
                    if case .string(let ks) = k { writeMember(ks, val, level: level, first: first) }
                    first = false
                }
            } else {
                writeMembersByKeyText(o, level: level)
            }
            newline(level)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// An object with non-string keys: OPA writes each key as its JSON text and, like Go's
    /// encoding/json, orders members by that text (`{10: "a", 9: "b"}` → `{"10":"a","9":"b"}`,
    /// `{1e2: "a", 3: "b"}` → `{"1e2":"a","3":"b"}`). Keys whose texts coincide (`1` and `"1"`)
    /// become one member holding the value of the key that is last in Rego order, as OPA's
    /// conversion to a Go map keeps it.
    private mutating func writeMembersByKeyText(_ o: ObjectValue, level: Int) {
        let members = o.pairs.enumerated().map { (i, pair) -> (String, Int, Value) in
            if case .string(let ks) = pair.0 { return (ks, i, pair.1) }
            return (JSONWriter.string(pair.0), i, pair.1)
        }.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        var first = true
        for (n, (k, _, v)) in members.enumerated() where n + 1 == members.count || members[n + 1].0 != k {
            writeMember(k, v, level: level, first: first)
            first = false
        }
    }

    private mutating func writeMember(_ key: String, _ value: Value, level: Int, first: Bool) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        newline(level + 1)
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
        if options.indent != nil { bytes.append(0x20) }
        write(value, level: level + 1)
    }

    private mutating func writeSequence(_ items: [Value], level: Int) {
        if items.isEmpty {
            bytes.append(contentsOf: "[]".utf8)
            return
        }
        bytes.append(UInt8(ascii: "["))
        var first = true
        for e in items {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            newline(level + 1)
            write(e, level: level + 1)
        }
        newline(level)
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func writeNumber(_ n: Number) {
        switch n {
        case .int(let i): bytes.append(contentsOf: String(i).utf8)
        case .float(let d) where !d.isFinite:
            // JSON has no NaN/Inf; OPA cannot produce them either. Keep output parseable.
            bytes.append(contentsOf: "null".utf8)
        case .wide(let w) where !w.value.isFinite && !w.text.utf8.allSatisfy({ $0 < 0x41 || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }):
            // An overflowed result ("+Inf"); literal text beyond the float's range is written as is.
            bytes.append(contentsOf: "null".utf8)
        default: bytes.append(contentsOf: n.description.utf8)
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func writeString(_ s: String) {
        let start = bytes.count
        bytes.append(UInt8(ascii: "\""))
        let html = options.escapeHTML
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): bytes.append(0x5C); bytes.append(c)
            case UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(c)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0x00..<0x20: appendUnicodeEscape(UInt32(c))
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                if html { appendUnicodeEscape(UInt32(c)) } else { bytes.append(c) }
            default: bytes.append(c)
            }
        }
        if html, s.unicodeScalars.contains(where: { $0.value == 0x2028 || $0.value == 0x2029 }) {
            // Rare: redo with the line/paragraph separators escaped.
            bytes.removeSubrange((start + 1)...)
            for u in s.unicodeScalars {
                if u.value == 0x2028 || u.value == 0x2029 { appendUnicodeEscape(u.value); continue }
                var tmp = JSONWriter(options: options)
                tmp.writeString(String(u))
                bytes.append(contentsOf: tmp.bytes.dropFirst().dropLast())
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendUnicodeEscape(_ v: UInt32) {
        bytes.append(contentsOf: "\\u".utf8)
        bytes.append(JSONWriter.hex[Int((v >> 12) & 0xF)])
        bytes.append(JSONWriter.hex[Int((v >> 8) & 0xF)])
        bytes.append(JSONWriter.hex[Int((v >> 4) & 0xF)])
        bytes.append(JSONWriter.hex[Int(v & 0xF)])
    }
}

/// Rego-syntax text of a value (sets as `{1, 2}`, `set()` when empty); used by `print`,
/// `sprintf("%v")` and diagnostics.
public enum RegoFormatter {
    public static func format(_ v: Value) -> String {
        switch v {
        case .set(let s):
            if s.isEmpty { return "set()" }
            return "{" + s.elements.map { format($0) }.joined(separator: ", ") + "}"
        case .array(let a):
            return "[" + a.map { format($0) }.joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.pairs.map { format($0.0) + ": " + format($0.1) }.joined(separator: ", ") + "}"
        case .string(let s):
            // OPA quotes strings as Go's strconv.Quote (`"\x00"`, `"\u00a0"`); JSON's escapes differ
            // only for control, non-printable and special characters.
            if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) { return "\"" + s + "\"" }
            return GoQuote.quote(s)
        default:
            return JSONWriter.string(v)
        }
    }
}
