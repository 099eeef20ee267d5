import Engine

/// The fast path for structured bundle files (data.json above all): parse once with the
/// engine's `JSONReader` and write OPA's canonical digest text (reference B.5) straight from the
/// resulting `Value`, instead of building a `RawJSON` tree twice with `CanonicalJSON`.
///
/// The value's object keys are already in byte order (`ObjectValue` sorts strings by their
/// UTF-8 bytes), so the writer only streams. Numbers are the one thing a `Value` does not keep
/// as written, so the fast path applies only when the reader reports that every number literal
/// is spelled as it prints (`1.0`, `1e2`, `-0`, `0.10` are not); documents the reader refuses
/// (invalid UTF-8 that Go would replace with U+FFFD, nesting near the limit, YAML, …) also go
/// the slow way. Either way the bytes are the same as `CanonicalJSON.canonicalBytes`.
enum CanonicalValueWriter {
    /// One nesting level less than `CanonicalJSON` allows, so anything accepted here is
    /// accepted there too (the slow path decides the borderline cases and their errors).
    static let maxDepth = CanonicalJSON.maxDepth - 2

    /// The parsed document, or nil when the slow path must decide. A leading BOM is skipped.
    static func parse(_ bytes: [UInt8]) -> (value: Value, numbersAsWritten: Bool)? {
        bytes.withUnsafeBytes { raw -> (Value, Bool)? in
            var body = raw
            if body.count >= 3, body[0] == 0xEF, body[1] == 0xBB, body[2] == 0xBF {
                body = UnsafeRawBufferPointer(rebasing: body[3...])
            }
            guard let (v, ok) = try? JSONReader.parseReportingNumberSpelling(body, maxDepth: maxDepth) else { return nil }
            return (v, ok)
        }
    }

    /// OPA's canonical text of a JSON value. Sets do not occur in parsed JSON; written as arrays.
    static func canonicalBytes(_ v: Value, reserve: Int = 256) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(reserve)
        write(v, into: &out)
        return out
    }

    static func write(_ v: Value, into out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.description.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items): writeItems(items, into: &out)
        case .set(let s): writeItems(s.elements, into: &out)
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            let keys = o.keys, values = o.values
            for i in 0..<keys.count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if case .string(let k) = keys[i] { writeString(k, into: &out) } else { writeString(JSONWriter.string(keys[i]), into: &out) }
                out.append(UInt8(ascii: ":"))
                write(values[i], into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeItems(_ items: [Value], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for i in 0..<items.count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            write(items[i], into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Go's encoding/json string form with HTML escaping off, byte by byte (same output as
    /// `CanonicalJSON.writeString` for valid UTF-8).
    static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { u in
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            var i = 0
            let n = u.count
            while i < n {
                let c = u[i]
                var escape: StaticString? = nil
                var width = 1
                switch c {
                case 0x22: escape = "\\\""
                case 0x5C: escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0x00..<0x20: escape = ""
                case 0xE2 where i + 2 < n && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9):
                    escape = u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    width = 3
                default:
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i]))
                if let e = escape, e.utf8CodeUnitCount > 0 {
                    out.append(contentsOf: UnsafeBufferPointer(start: e.utf8Start, count: e.utf8CodeUnitCount))
                } else {
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(c >> 4)])
                    out.append(hex[Int(c & 0xF)])
                }
                i += width
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<n]))
            out.append(UInt8(ascii: "\""))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
