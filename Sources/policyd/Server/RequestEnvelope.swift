import Engine
#if canImport(Glibc)
import Glibc
#endif

/// Where the fields of a request frame are: one scan of the top-level object that records the
/// byte range of each known field's value, without building the outer object.
///
/// Only the shape of the envelope is checked here; every value slice is parsed (and so
/// validated) by `JSONReader` afterwards, unknown fields included, so the set of accepted
/// frames is exactly the full parser's. Anything unusual (not an object, a malformed
/// envelope, an escaped or non-ASCII key that does not decode) returns nil and the caller
/// falls back to parsing the whole frame, which also produces the exact error message.
struct RequestEnvelope {
    enum Field: Int, CaseIterable {
        case id, op, path, kind, input, bundle, revision
        static let names: [[UInt8]] = ["id", "op", "path", "kind", "input", "bundle", "revision"].map { Array($0.utf8) }
    }

    /// Value ranges by `Field.rawValue` (the last occurrence when a key repeats, as the
    /// full parser keeps the last value).
    private(set) var ranges: [Range<Int>?] = [nil, nil, nil, nil, nil, nil, nil]
    /// The `input` value has no whitespace between its tokens (its bytes are compact JSON).
    private(set) var inputIsCompact = false

    subscript(_ f: Field) -> Range<Int>? { ranges[f.rawValue] }

    /// Scans `body` (a frame body). `maxDepth` is the request's nesting limit; nested values
    /// are validated one level deeper than they would be on their own.
    static func scan(_ body: UnsafeRawBufferPointer, maxDepth: Int) -> RequestEnvelope? {
        guard maxDepth >= 1, let p = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let n = body.count
        var env = RequestEnvelope()
        var i = skipWhitespace(p, 0, n)
        guard i < n, p[i] == UInt8(ascii: "{") else { return nil }
        i = skipWhitespace(p, i + 1, n)
        if i < n, p[i] == UInt8(ascii: "}") {
            return skipWhitespace(p, i + 1, n) == n ? env : nil
        }
        while true {
            guard i < n, p[i] == UInt8(ascii: "\"") else { return nil }
            let keyStart = i
            var plain = true
            var j = i + 1
            while j < n {
                let c = p[j]
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") { plain = false; j += 2; continue }
                if c < 0x20 || c > 0x7E { plain = false }
                j += 1
            }
            guard j < n else { return nil }
            let keyEnd = j + 1  // past the closing quote
            i = skipWhitespace(p, keyEnd, n)
            guard i < n, p[i] == UInt8(ascii: ":") else { return nil }
            i = skipWhitespace(p, i + 1, n)
            var spaced = false
            guard let valueEnd = skipValue(p, i, n, &spaced) else { return nil }
            let value = i..<valueEnd
            let field: Field?
            if plain {
                field = match(UnsafeBufferPointer(start: p + keyStart + 1, count: keyEnd - keyStart - 2))
            } else {
                // Escaped or non-ASCII key: decode it (this also validates it).
                guard case .string(let s)? = try? JSONReader.parse(UnsafeRawBufferPointer(start: p + keyStart, count: keyEnd - keyStart)) else {
                    return nil
                }
                var t = s
                field = t.withUTF8 { match($0) }
            }
            if let field {
                // A repeated key: the earlier value must still be valid JSON.
                if let old = env.ranges[field.rawValue], !valid(p, old, maxDepth - 1) { return nil }
                env.ranges[field.rawValue] = value
                if field == .input { env.inputIsCompact = !spaced }
            } else if !valid(p, value, maxDepth - 1) {
                return nil
            }
            i = skipWhitespace(p, valueEnd, n)
            guard i < n else { return nil }
            if p[i] == UInt8(ascii: ",") {
                i = skipWhitespace(p, i + 1, n)
                continue
            }
            guard p[i] == UInt8(ascii: "}") else { return nil }
            return skipWhitespace(p, i + 1, n) == n ? env : nil
        }
    }

    private static func match(_ key: UnsafeBufferPointer<UInt8>) -> Field? {
        for f in Field.allCases {
            let name = Field.names[f.rawValue]
            if name.count == key.count && name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }) {
                return f
            }
        }
        return nil
    }

    private static func valid(_ p: UnsafePointer<UInt8>, _ r: Range<Int>, _ depth: Int) -> Bool {
        (try? JSONReader.parse(UnsafeRawBufferPointer(start: p + r.lowerBound, count: r.count), maxDepth: depth)) != nil
    }

    @inline(__always)
    private static func skipWhitespace(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int {
        var i = from
        while i < n {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { break }
            i += 1
        }
        return i
    }

    /// The end of the value starting at `i` (and in `spaced`, whether whitespace separates its
    /// tokens) by its delimiters alone (strings, bracket
    /// nesting); the slice is validated by the parser later. Iterative: no recursion on
    /// deep input.
    private static func skipValue(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ spaced: inout Bool) -> Int? {
        guard i < n else { return nil }
        switch p[i] {
        case UInt8(ascii: "\""):
            var j = i + 1
            while j < n {
                let c = p[j]
                if c == UInt8(ascii: "\"") { return j + 1 }
                j += c == UInt8(ascii: "\\") ? 2 : 1
            }
            return nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var inString = false
            var j = i
            while j < n {
                let c = p[j]
                if inString {
                    if c == UInt8(ascii: "\\") { j += 1 } else if c == UInt8(ascii: "\"") { inString = false }
                } else if c == UInt8(ascii: "\"") {
                    inString = true
                } else if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                    spaced = true
                } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                    depth += 1
                } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { return j + 1 }
                }
                j += 1
            }
            return nil
        default:
            var j = i
            while j < n {
                let c = p[j]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]")
                    || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { break }
                j += 1
            }
            return j > i ? j : nil
        }
    }
}
