import Engine

/// JSON as OPA's bundle code sees it: numbers keep their literal text (Go `json.Number`), a
/// duplicate key keeps its last value, invalid UTF-8 and lone surrogates become U+FFFD, a
/// leading BOM is ignored. One parse serves both the file digest (`canonicalBytes`) and data
/// loading (`value`).
indirect enum RawJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([RawJSON])
    /// Keys unique (last one won), in first-seen order; sorted only when serialised.
    case object([(String, RawJSON)])

    static func == (a: RawJSON, b: RawJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

struct CanonicalJSONError: Error, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "\(message) at offset \(offset)" }
}

enum CanonicalJSON {
    static let maxDepth = 1_000

    static func parse(_ bytes: [UInt8]) throws(CanonicalJSONError) -> RawJSON {
        var p = Parser(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3 }
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw CanonicalJSONError(message: "invalid character after top-level value", offset: p.i) }
        return v
    }

    /// OPA's digest text: no whitespace, keys in byte order, literal numbers, Go's escaping
    /// with HTML escaping off (B.5 of the reference).
    static func canonicalBytes(_ v: RawJSON) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(v, into: &out)
        return out
    }

    private static func write(_ v: RawJSON, into out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            for (i, (k, value)) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                write(value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for u in s.unicodeScalars {
            switch u.value {
            case 0x22: out.append(contentsOf: "\\\"".utf8)
            case 0x5C: out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case 0x00..<0x20, 0x2028, 0x2029:
                out.append(contentsOf: "\\u".utf8)
                for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((u.value >> UInt32(shift)) & 0xF)]) }
            default:
                out.append(contentsOf: String(u).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The Rego value of a parsed document (numbers through the engine's number parser).
    static func value(_ v: RawJSON) -> Value {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let text): return .number(Number.parse(text) ?? Number(Double(text) ?? 0))
        case .string(let s): return .string(s)
        case .array(let items): return .array(items.map(value))
        case .object(let members):
            var b = ObjectBuilder(minimumCapacity: members.count)
            for (k, item) in members { b[.string(k)] = value(item) }
            return .object(b.build())
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        func fail(_ m: String) -> CanonicalJSONError { CanonicalJSONError(message: m, offset: i) }

        mutating func value(depth: Int) throws(CanonicalJSONError) -> RawJSON {
            guard depth < CanonicalJSON.maxDepth else { throw fail("nesting too deep") }
            guard i < bytes.count else { throw fail("unexpected end of JSON input") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, RawJSON)] = []
                var index: [String: Int] = [:]
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object([]) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected object key") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    skipSpace()
                    let v = try value(depth: depth + 1)
                    if let at = index[key] { members[at].1 = v } else { index[key] = members.count; members.append((key, v)) }
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end of JSON input") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [RawJSON] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end of JSON input") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default:
                return .number(try number())
            }
        }

        mutating func literal(_ word: String) throws(CanonicalJSONError) {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw fail("invalid literal") }
            i += w.count
        }

        mutating func number() throws(CanonicalJSONError) -> String {
            let start = i
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw fail("invalid number") }
            if bytes[i] == UInt8(ascii: "0") { i += 1 } else { while i < bytes.count, isDigit(bytes[i]) { i += 1 } }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard i < bytes.count, isDigit(bytes[i]) else { throw fail("invalid number") }
                while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard i < bytes.count, isDigit(bytes[i]) else { throw fail("invalid number") }
                while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

        mutating func hex4() throws(CanonicalJSONError) -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("invalid \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                default: throw fail("invalid \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        /// A string literal; raw bytes are decoded like Go: each invalid UTF-8 byte is U+FFFD.
        mutating func string() throws(CanonicalJSONError) -> String {
            i += 1
            var scalars = String.UnicodeScalarView()
            while true {
                guard i < bytes.count else { throw fail("unexpected end of JSON input") }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                if c < 0x20 { throw fail("invalid character in string literal") }
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard i < bytes.count else { throw fail("unexpected end of JSON input") }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        let u = try hex4()
                        if (0xD800..<0xDC00).contains(u), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
                           bytes[i + 1] == UInt8(ascii: "u")
                        {
                            let save = i
                            i += 2
                            let low = try hex4()
                            if (0xDC00..<0xE000).contains(low) {
                                scalars.append(UnicodeScalar(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))!)
                                continue
                            }
                            i = save  // not a pair: the high half alone is replaced, the next escape re-read
                            scalars.append("\u{FFFD}")
                            continue
                        }
                        scalars.append(UnicodeScalar(u) ?? "\u{FFFD}")
                    default: throw fail("invalid escape in string literal")
                    }
                    continue
                }
                if c < 0x80 { scalars.append(UnicodeScalar(c)); i += 1; continue }
                let (scalar, width) = decodeUTF8(at: i)
                scalars.append(scalar)
                i += width
            }
            return String(scalars)
        }

        /// One UTF-8 sequence, or (U+FFFD, 1) when the byte at `at` does not start a valid one.
        func decodeUTF8(at: Int) -> (UnicodeScalar, Int) {
            let b0 = bytes[at]
            let need: Int
            var v: UInt32
            switch b0 {
            case 0xC2...0xDF: need = 1; v = UInt32(b0 & 0x1F)
            case 0xE0...0xEF: need = 2; v = UInt32(b0 & 0x0F)
            case 0xF0...0xF4: need = 3; v = UInt32(b0 & 0x07)
            default: return ("\u{FFFD}", 1)
            }
            guard at + need < bytes.count else { return ("\u{FFFD}", 1) }
            for k in 1...need {
                let b = bytes[at + k]
                guard b & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
                v = v << 6 | UInt32(b & 0x3F)
            }
            let minimum: UInt32 = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000
            guard v >= minimum, v <= 0x10FFFF, !(0xD800..<0xE000).contains(v), let s = UnicodeScalar(v) else {
                return ("\u{FFFD}", 1)
            }
            return (s, need + 1)
        }
    }
}
