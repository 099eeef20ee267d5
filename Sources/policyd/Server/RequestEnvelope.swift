import Engine
#if canImport(Glibc)
import Glibc
#endif

/// Where the fields of a request frame are: one scan of the top-level object that records the
/// byte range of each known field's value, without building the outer object. The `input`
/// value can be parsed by the caller during the scan (see the `input` hook), so its bytes,
/// most of a request, are read once.
///
/// Only the shape of the envelope is checked here; every value slice is parsed (and so
/// validated) by `JSONReader` afterwards, unknown fields included, so the set of accepted
/// frames is exactly the full parser's. Anything unusual (not an object, a malformed
/// envelope, an escaped or non-ASCII key that does not decode) returns nil and the caller
/// falls back to parsing the whole frame, which also produces the exact error message.
struct RequestEnvelope {
    enum Field: Int, CaseIterable {
        case id, op, path, kind, input, bundle, revision
    }

    /// Value ranges by field (the last occurrence when a key repeats, as the full parser keeps
    /// the last value). Stored inline, not in an array: a scan allocates nothing.
    private var id: Range<Int>?, op: Range<Int>?, path: Range<Int>?, kind: Range<Int>?
    private var input: Range<Int>?, bundle: Range<Int>?, revision: Range<Int>?
    /// The `input` value has no whitespace between its tokens (its bytes are compact JSON).
    private(set) var inputIsCompact = false
    /// The (last) `input` value was parsed by the scan's `input` hook.
    private(set) var inputParsed = false

    subscript(_ f: Field) -> Range<Int>? {
        get {
            switch f {
            case .id: id
            case .op: op
            case .path: path
            case .kind: kind
            case .input: input
            case .bundle: bundle
            case .revision: revision
            }
        }
        set {
            switch f {
            case .id: id = newValue
            case .op: op = newValue
            case .path: path = newValue
            case .kind: kind = newValue
            case .input: input = newValue
            case .bundle: bundle = newValue
            case .revision: revision = newValue
            }
        }
    }

    /// What the `input` hook of `scan` did with the value it was handed.
    enum InputStep {
        /// Not read: the scan passes over it (its range is parsed later).
        case skip
        /// Parsed (and so validated) up to `end`; `compact`: no whitespace between its tokens.
        case parsed(end: Int, compact: Bool)
        /// Not valid JSON: the scan gives up (the caller's whole-frame parse reports the error).
        case invalid
    }

    /// Scans `body` (a frame body). `maxDepth` is the request's nesting limit; nested values
    /// are validated one level deeper than they would be on their own.
    static func scan(_ body: UnsafeRawBufferPointer, maxDepth: Int) -> RequestEnvelope? {
        scan(body, maxDepth: maxDepth) { _, _ in .skip }
    }

    /// The same, handing each `input` value's first byte (an offset into `body`) to `input`
    /// with the fields seen so far, so the input can be parsed where it is, in the same pass
    /// (the bytes of the input are then walked once); the scan goes on where the parse ended.
    static func scan(_ body: UnsafeRawBufferPointer, maxDepth: Int,
                     input: (_ seen: RequestEnvelope, _ at: Int) -> InputStep) -> RequestEnvelope?
    {
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
            var step = InputStep.skip
            if field == .input, i < n { step = input(env, i) }
            let valueEnd: Int
            var spaced = false
            switch step {
            case .invalid:
                return nil
            case .parsed(let end, let compact):
                valueEnd = end
                spaced = !compact
            case .skip:
                guard let end = skipValue(p, i, n, &spaced) else { return nil }
                valueEnd = end
            }
            let value = i..<valueEnd
            if let field {
                // A repeated key: the earlier value must still be valid JSON (an input the hook
                // parsed was validated then).
                if let old = env[field], !(field == .input && env.inputParsed), !valid(p, old, maxDepth - 1) { return nil }
                env[field] = value
                if field == .input {
                    env.inputIsCompact = !spaced
                    if case .parsed = step { env.inputParsed = true } else { env.inputParsed = false }
                }
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

    /// The field a plain key names (by length, then bytes: no table walk per key).
    private static func match(_ key: UnsafeBufferPointer<UInt8>) -> Field? {
        guard let k = key.baseAddress else { return nil }
        @inline(__always) func eq(_ lit: StaticString) -> Bool { memcmp(lit.utf8Start, k, key.count) == 0 }
        switch key.count {
        case 2: return eq("id") ? .id : eq("op") ? .op : nil
        case 4: return eq("path") ? .path : eq("kind") ? .kind : nil
        case 5: return eq("input") ? .input : nil
        case 6: return eq("bundle") ? .bundle : nil
        case 8: return eq("revision") ? .revision : nil
        default: return nil
        }
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

    /// The index of the quote closing a string whose content starts at `from` (≥ `n` if none),
    /// stepping over escapes. (Skipping 8 bytes at a time was tried: no measurable change, the
    /// scan's cost is not in string content.)
    @inline(__always)
    private static func closingQuote(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int {
        var j = from
        while j < n {
            let c = p[j]
            if c == UInt8(ascii: "\"") { return j }
            j += c == UInt8(ascii: "\\") ? 2 : 1
        }
        return j
    }

    /// Byte classes for skipping containers: 0 other, 1 `"`, 2 whitespace, 3 `{` `[`, 4 `}` `]`.
    private static let byteClass: [UInt8] = (0..<256).map { c -> UInt8 in
        switch UInt8(c) {
        case UInt8(ascii: "\""): 1
        case 0x20, 0x0A, 0x0D, 0x09: 2
        case UInt8(ascii: "{"), UInt8(ascii: "["): 3
        case UInt8(ascii: "}"), UInt8(ascii: "]"): 4
        default: 0
        }
    }

    /// The end of the value starting at `i` (and in `spaced`, whether whitespace separates its
    /// tokens) by its delimiters alone (strings, bracket
    /// nesting); the slice is validated by the parser later. Iterative: no recursion on
    /// deep input.
    private static func skipValue(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ spaced: inout Bool) -> Int? {
        guard i < n else { return nil }
        switch p[i] {
        case UInt8(ascii: "\""):
            let j = closingQuote(p, i + 1, n)
            return j < n ? j + 1 : nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            // One table lookup per byte outside strings; inside strings only `"` and `\` matter.
            return byteClass.withUnsafeBufferPointer { cls -> Int? in
                var depth = 0
                var j = i
                while j < n {
                    switch cls[Int(p[j])] {
                    case 0:
                        break
                    case 1:  // string: straight to the closing quote
                        j = closingQuote(p, j + 1, n)
                    case 2:
                        spaced = true
                    case 3:
                        depth += 1
                    default:
                        depth -= 1
                        if depth == 0 { return j + 1 }
                    }
                    j += 1
                }
                return nil
            }
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
