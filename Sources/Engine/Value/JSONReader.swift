import BigInt
import Foundation

/// A malformed JSON document: what was wrong and the byte offset where it was found.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at offset \(offset)" }
}

/// Parses JSON bytes straight into `Value`s: no Foundation, no intermediate tree.
///
/// Strict RFC 8259: one value, optional surrounding whitespace, UTF-8 validated, duplicate
/// keys keep the last value (as Go's decoder does). Nesting deeper than `maxDepth` is an error,
/// not a stack overflow, so a 100k-deep document is rejected safely on any thread.
///
/// Elements of open arrays and objects collect on one scratch stack owned by the reader and
/// are moved into exact-size arrays when their container closes: no regrowth while parsing and
/// no growth slack kept for the value's lifetime. Documents of `internThreshold` bytes or more
/// also share repeated strings and object key lists (`JSONInterner`).
public struct JSONReader {
    public static let defaultMaxDepth = 1000
    /// Smaller documents (requests) are parsed without interning: they are short-lived, and the
    /// table would cost more than it saves.
    public static let internThreshold = 64 * 1024

    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError)
        -> Value
    {
        try parseDocument(bytes, maxDepth: maxDepth, trackNumberSpelling: false).value
    }

    /// Parses like `parse(_:maxDepth:)` and also reports whether every number literal in the
    /// document is spelled exactly as `Number.description` prints its value (`1.0`, `1e2`, `-0`,
    /// `0.10` are not). When it is, writing the value back reproduces the source's numbers,
    /// which OPA's bundle digests depend on.
    public static func parseReportingNumberSpelling(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth)
        throws(JSONParseError) -> (value: Value, numbersAsPrinted: Bool)
    {
        try parseDocument(bytes, maxDepth: maxDepth, trackNumberSpelling: true)
    }

    public static func parse<C: ContiguousBytes>(bytes: C, maxDepth: Int = defaultMaxDepth) throws -> Value {
        try bytes.withUnsafeBytes { try parse($0, maxDepth: maxDepth) }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws -> Value {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0), maxDepth: maxDepth) }
    }

    private static func parseDocument(_ bytes: UnsafeRawBufferPointer, maxDepth: Int, trackNumberSpelling: Bool)
        throws(JSONParseError) -> (value: Value, numbersAsPrinted: Bool)
    {
        try withReader(bytes, maxDepth: maxDepth, trackNumberSpelling: trackNumberSpelling) { reader throws(JSONParseError) in
            reader.skipWhitespace()
            let v = try reader.parseValue(depth: 0)
            reader.skipWhitespace()
            if reader.pos != reader.end { throw reader.error("unexpected data after JSON value") }
            return (v, reader.numbersAsPrinted)
        }
    }

    /// Runs `body` with a reader over `bytes` and releases its scratch stack afterwards. A
    /// document below `internThreshold` starts on a stack of `smallStack` values on the call
    /// stack (no heap allocation per parse: a request's input is parsed on every decision); it
    /// moves to the heap only if it nests or fans out further.
    @inline(__always)
    static func withReader<R>(_ bytes: UnsafeRawBufferPointer, maxDepth: Int, trackNumberSpelling: Bool,
                              _ body: (inout JSONReader) throws(JSONParseError) -> R) throws(JSONParseError) -> R
    {
        if bytes.count >= internThreshold {
            var reader = JSONReader(bytes: bytes, maxDepth: maxDepth, trackNumberSpelling: trackNumberSpelling)
            defer { reader.releaseStack() }
            return try body(&reader)
        }
        return try withUnsafeTemporaryAllocation(of: Value.self, capacity: smallStack) { scratch throws(JSONParseError) in
            var reader = JSONReader(bytes: bytes, maxDepth: maxDepth, trackNumberSpelling: trackNumberSpelling,
                                    scratch: scratch)
            defer { reader.releaseStack() }
            return try body(&reader)
        }
    }

    /// Values a small document's scratch stack holds before it moves to the heap.
    static let smallStack = 32

    // Internal (not private) for the projected parser in JSONReader+Projection.swift.
    let base: UnsafePointer<UInt8>
    var pos: Int
    let end: Int
    let maxDepth: Int
    private let trackNumberSpelling: Bool
    private var numbersAsPrinted = true
    /// Whitespace was skipped somewhere (the value read is not compact JSON text).
    var sawWhitespace = false
    private var interner: JSONInterner?
    // Scratch stack: elements of the open arrays (and key, value, key, value… of open objects).
    var stack: UnsafeMutablePointer<Value>
    var stackCount = 0
    private var stackCapacity: Int
    /// `stack` was allocated here (not the caller's scratch): release deallocates it.
    private var ownsStack: Bool

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int, trackNumberSpelling: Bool,
         scratch: UnsafeMutableBufferPointer<Value>? = nil)
    {
        // An empty buffer may have no base address; point at a static byte instead.
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JSONReader.emptyBase
        pos = 0
        end = bytes.count
        self.maxDepth = maxDepth
        self.trackNumberSpelling = trackNumberSpelling
        interner = bytes.count >= JSONReader.internThreshold ? JSONInterner() : nil
        if let scratch, let p = scratch.baseAddress, scratch.count > 0 {
            stack = p
            stackCapacity = scratch.count
            ownsStack = false
        } else {
            stackCapacity = bytes.count >= JSONReader.internThreshold ? 1024 : 32
            stack = .allocate(capacity: stackCapacity)
            ownsStack = true
        }
    }

    mutating func releaseStack() {
        stack.deinitialize(count: stackCount)
        if ownsStack { stack.deallocate() }
        stackCount = 0
    }

    @inline(__always)
    mutating func push(_ v: Value) {
        if stackCount == stackCapacity { growStack() }
        (stack + stackCount).initialize(to: v)
        stackCount += 1
    }

    private mutating func growStack() {
        let bigger = UnsafeMutablePointer<Value>.allocate(capacity: stackCapacity * 2)
        bigger.moveInitialize(from: stack, count: stackCount)
        if ownsStack { stack.deallocate() }
        ownsStack = true
        stack = bigger
        stackCapacity *= 2
    }

    /// Moves `count` values starting at `from` (stride `step`) into a new exact-size array.
    /// (`reserveCapacity` + `append`, not `Array(unsafeUninitializedCapacity:)`: the latter
    /// reaches the standard library's unspecialised buffer allocation, which looks up the
    /// array's generic metadata on every call — a few % of a parse in the profile.)
    @inline(__always)
    private func moveOut(from: Int, count: Int, step: Int) -> [Value] {
        let src = stack + from
        var out: [Value] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append((src + i * step).move()) }
        return out
    }

    nonisolated(unsafe) private static let emptyBase: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: pos) }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                pos += 1
                sawWhitespace = true
            } else {
                return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> Value {
        guard pos < end else { throw error("unexpected end of JSON input") }
        switch base[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("invalid character '\(Character(Unicode.Scalar(base[pos])))' looking for beginning of value")
        }
    }

    mutating func expectLiteral(_ lit: StaticString) throws(JSONParseError) {
        let n = lit.utf8CodeUnitCount
        guard end - pos >= n, memcmp(base + pos, lit.utf8Start, n) == 0 else {
            throw error("invalid literal")
        }
        pos += n
    }

    /// Enters the `{` or `[` at `pos`, nested `depth` deep: true when the container is empty
    /// (its closing byte is consumed too).
    @inline(__always)
    mutating func openContainer(depth: Int, close: UInt8) throws(JSONParseError) -> Bool {
        if depth > maxDepth { throw error("JSON nested deeper than \(maxDepth) levels") }
        pos += 1
        skipWhitespace()
        if pos < end && base[pos] == close {
            pos += 1
            return true
        }
        return false
    }

    /// Before an object key: whitespace, then its opening quote (not consumed).
    @inline(__always)
    mutating func expectKey() throws(JSONParseError) {
        skipWhitespace()
        guard pos < end, base[pos] == UInt8(ascii: "\"") else { throw error("expected string for object key") }
    }

    /// After an object key: the `:` and the whitespace around it.
    @inline(__always)
    mutating func expectColon() throws(JSONParseError) {
        skipWhitespace()
        guard pos < end, base[pos] == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
        pos += 1
        skipWhitespace()
    }

    /// After a member or element: true at `,` (another follows), false at the container's
    /// closing byte (consumed).
    @inline(__always)
    mutating func nextMember(close: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard pos < end else { throw error("unexpected end of JSON input") }
        if base[pos] == UInt8(ascii: ",") { pos += 1; return true }
        if base[pos] == close { pos += 1; return false }
        throw error(close == UInt8(ascii: "}") ? "expected ',' or '}' in object" : "expected ',' or ']' in array")
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> Value {
        if try openContainer(depth: depth, close: UInt8(ascii: "}")) { return .object(ObjectValue()) }
        let first = stackCount
        var sorted = true
        repeat {
            try expectKey()
            let key = Value.string(try parseString())
            try expectColon()
            if sorted, stackCount > first, Value.compare(stack[stackCount - 2], key) >= 0 { sorted = false }
            push(key)
            push(try parseValue(depth: depth))
        } while try nextMember(close: UInt8(ascii: "}"))
        return finishObject(first: first, sorted: sorted)
    }

    /// Builds the object from the key/value pairs on the stack from `first`.
    mutating func finishObject(first: Int, sorted: Bool) -> Value {
        if !sorted { sortPairs(from: first) }
        let n = (stackCount - first) / 2
        var keys = moveOut(from: first, count: n, step: 2)
        let values = moveOut(from: first + 1, count: n, step: 2)
        stackCount = first
        if interner != nil { keys = interner!.keys(keys) }
        return .object(ObjectValue(sortedKeys: keys, values: values))
    }

    /// Builds the object from the key/value pairs on the stack from `first` whose keys are
    /// exactly `keys`, in order (a projected object holding every key of its shape): the keys
    /// array is shared, not built (one allocation less per such object).
    mutating func finishObject(first: Int, keys: [Value]) -> Value {
        let n = (stackCount - first) / 2
        for i in 0..<n { (stack + first + 2 * i).deinitialize(count: 1) }
        let values = moveOut(from: first + 1, count: n, step: 2)
        stackCount = first
        return .object(ObjectValue(sortedKeys: keys, values: values))
    }

    /// Sorts the key/value pairs on the stack from `first` by key and drops all but the last of
    /// equal keys (Go keeps the last duplicate).
    private mutating func sortPairs(from first: Int) {
        let n = (stackCount - first) / 2
        let p = stack + first
        if n <= 16 {
            // Insertion sort (stable, so the last of equal keys stays last).
            for i in 1..<n {
                var j = i
                while j > 0, Value.compare(p[2 * (j - 1)], p[2 * j]) > 0 {
                    swap(&p[2 * j], &p[2 * (j - 1)])
                    swap(&p[2 * j + 1], &p[2 * (j - 1) + 1])
                    j -= 1
                }
            }
        } else {
            let order = (0..<n).sorted { a, b in
                let c = Value.compare(p[2 * a], p[2 * b])
                return c < 0 || (c == 0 && a < b)
            }
            let tmp = UnsafeMutablePointer<Value>.allocate(capacity: 2 * n)
            for (to, from) in order.enumerated() { (tmp + 2 * to).moveInitialize(from: p + 2 * from, count: 2) }
            p.moveInitialize(from: tmp, count: 2 * n)
            tmp.deallocate()
        }
        // Drop earlier duplicates, compacting in place.
        var w = 0
        for r in 0..<n {
            if r + 1 < n, p[2 * r] == p[2 * (r + 1)] {
                (p + 2 * r).deinitialize(count: 2)
            } else {
                if w != r { (p + 2 * w).moveInitialize(from: p + 2 * r, count: 2) }
                w += 1
            }
        }
        stackCount = first + 2 * w
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> Value {
        if try openContainer(depth: depth, close: UInt8(ascii: "]")) { return .array([]) }
        let first = stackCount
        repeat {
            skipWhitespace()
            push(try parseValue(depth: depth))
        } while try nextMember(close: UInt8(ascii: "]"))
        let items = moveOut(from: first, count: stackCount - first, step: 1)
        stackCount = first
        return .array(items)
    }

    private mutating func parseNumber() throws(JSONParseError) -> Number {
        let (start, isInteger) = try scanNumber()
        let text = UnsafeBufferPointer(start: base + start, count: pos - start)
        let n = Number.parse(text, isInteger: isInteger)
        if trackNumberSpelling && numbersAsPrinted && !JSONReader.spelledAsPrinted(n, text, isInteger: isInteger) {
            numbersAsPrinted = false
        }
        return n
    }

    /// Validates a number literal and moves past it: where it started and whether it is an
    /// integer literal (no fraction, no exponent).
    mutating func scanNumber() throws(JSONParseError) -> (start: Int, isInteger: Bool) {
        let start = pos
        var isInteger = true
        if base[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < end, base[pos] >= 0x30, base[pos] <= 0x39 else { throw error("invalid number") }
        if base[pos] == 0x30 {
            pos += 1
        } else {
            while pos < end, base[pos] >= 0x30, base[pos] <= 0x39 { pos += 1 }
        }
        if pos < end, base[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < end, base[pos] >= 0x30, base[pos] <= 0x39 else { throw error("invalid number: expected digit after '.'") }
            while pos < end, base[pos] >= 0x30, base[pos] <= 0x39 { pos += 1 }
        }
        if pos < end, base[pos] == UInt8(ascii: "e") || base[pos] == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            if pos < end, base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, base[pos] >= 0x30, base[pos] <= 0x39 else { throw error("invalid number: expected exponent digits") }
            while pos < end, base[pos] >= 0x30, base[pos] <= 0x39 { pos += 1 }
        }
        return (start, isInteger)
    }

    /// True when `text` is exactly how `n` prints. An integer literal prints as written unless
    /// it is `-0` (JSON forbids leading zeros); other literals are compared with the printed form.
    private static func spelledAsPrinted(_ n: Number, _ text: UnsafeBufferPointer<UInt8>, isInteger: Bool) -> Bool {
        if isInteger { return !(text.count == 2 && text[0] == UInt8(ascii: "-") && text[1] == UInt8(ascii: "0")) }
        // `.spelled` numbers print as written too; this reports the canonical spelling.
        return n.unspelled.description.utf8.elementsEqual(text)
    }

    /// From just inside a string literal: passes over plain content (validating UTF-8). True
    /// with `pos` on the closing quote; false with `pos` at the first escape or control character
    /// or at the end of input, where the full decoder in `parseString` takes over.
    @inline(__always)
    mutating func scanPlainString() throws(JSONParseError) -> Bool {
        while pos < end {
            pos = plainRun(from: pos)
            guard pos < end else { return false }
            let c = base[pos]
            if c == UInt8(ascii: "\"") { return true }
            if c == UInt8(ascii: "\\") || c < 0x20 { return false }
            if c >= 0x80 { pos += try utf8SequenceLength(c) } else { pos += 1 }
        }
        return false
    }

    /// Parses a string literal, validating UTF-8 and decoding escapes (including surrogate pairs).
    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1  // opening quote
        let start = pos
        // Fast path: no escapes; the string is the source bytes (validated in place).
        if try scanPlainString() {
            let length = pos - start
            pos += 1
            if interner != nil, length >= JSONInterner.minLength, length <= JSONInterner.maxLength {
                return interner!.string(base, offset: start, length: length)
            }
            return String(decoding: UnsafeBufferPointer(start: base + start, count: length), as: UTF8.self)
        }
        var bytes = [UInt8](UnsafeBufferPointer(start: base + start, count: pos - start))
        while pos < end {
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: bytes, as: UTF8.self)
            }
            if c < 0x20 { throw error("invalid control character in string literal") }
            if c == UInt8(ascii: "\\") {
                pos += 1
                guard pos < end else { break }
                let e = base[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        // High surrogate: a low surrogate must follow, else U+FFFD (as Go does).
                        if end - pos >= 6, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u") {
                            let save = pos
                            pos += 2
                            let low = try parseHex4()
                            if low >= 0xDC00 && low < 0xE000 {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                pos = save
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        scalar = 0xFFFD
                    }
                    appendUTF8(&bytes, Unicode.Scalar(scalar)!)
                default:
                    pos -= 1
                    throw error("invalid escape character in string literal")
                }
                continue
            }
            if c < 0x80 {
                bytes.append(c)
                pos += 1
                continue
            }
            // Multi-byte UTF-8 sequence: validate.
            let len = try utf8SequenceLength(c)
            for i in 0..<len { bytes.append(base[pos + i]) }
            pos += len
        }
        throw error("unexpected end of JSON input in string")
    }

    /// The position of the first byte from `i` that ends a plain string run (a quote, a
    /// backslash, a control character or a non-ASCII byte), found 8 bytes per step; when fewer
    /// than 8 bytes are left, the position reached (the caller goes on byte by byte). Strings are
    /// mostly plain ASCII: 8 bytes per step instead of 1, and the byte that ends the run is
    /// located in its word directly (not by stepping to it: a short string's closing quote is
    /// usually mid-word).
    @inline(__always)
    func plainRun(from i: Int) -> Int {
        var i = i
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= end {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let quote = w ^ (ones &* 0x22)
            let backslash = w ^ (ones &* 0x5C)
            // Per byte: zero after the xor (quote, backslash), below 0x20, or the high bit set.
            // A borrow can flag bytes above a flagged one, never below it: the lowest flagged
            // byte is exact.
            let special = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w) | w) & highs
            if special != 0 {
                #if _endian(little)
                return i + special.trailingZeroBitCount >> 3
                #else
                return i
                #endif
            }
            i += 8
        }
        return i
    }

    /// Length of the valid UTF-8 sequence starting with lead byte `c` (≥ 0x80) at `pos`; throws
    /// on overlong forms, surrogates, values beyond U+10FFFF and truncated sequences.
    @inline(__always)
    func utf8SequenceLength(_ c: UInt8) throws(JSONParseError) -> Int {
        let len: Int
        if c & 0xE0 == 0xC0 && c >= 0xC2 { len = 2 } else if c & 0xF0 == 0xE0 { len = 3 } else if c & 0xF8 == 0xF0 && c <= 0xF4 { len = 4 } else {
            throw error("invalid UTF-8 in string")
        }
        guard end - pos >= len else { throw error("invalid UTF-8 in string") }
        for i in 1..<len where base[pos + i] & 0xC0 != 0x80 { throw error("invalid UTF-8 in string") }
        if len == 3 {
            let cp = (UInt32(c & 0x0F) << 12) | (UInt32(base[pos + 1] & 0x3F) << 6) | UInt32(base[pos + 2] & 0x3F)
            if cp < 0x800 || (cp >= 0xD800 && cp < 0xE000) { throw error("invalid UTF-8 in string") }
        } else if len == 4 {
            let cp = (UInt32(c & 0x07) << 18) | (UInt32(base[pos + 1] & 0x3F) << 12)
                | (UInt32(base[pos + 2] & 0x3F) << 6) | UInt32(base[pos + 3] & 0x3F)
            if cp < 0x10000 || cp > 0x10FFFF { throw error("invalid UTF-8 in string") }
        }
        return len
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard end - pos >= 4 else { throw error("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = base[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }
}

@inline(__always)
func appendUTF8(_ bytes: inout [UInt8], _ scalar: Unicode.Scalar) {
    let v = scalar.value
    switch v {
    case 0..<0x80: bytes.append(UInt8(v))
    case 0x80..<0x800:
        bytes.append(UInt8(0xC0 | (v >> 6)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    case 0x800..<0x10000:
        bytes.append(UInt8(0xE0 | (v >> 12)))
        bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    default:
        bytes.append(UInt8(0xF0 | (v >> 18)))
        bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    }
}

extension Number {
    /// Parses a JSON/Rego number literal (already validated). Integers are exact at any size;
    /// other literals follow `parseDecimal`. Text that does not print back as written (`5.0`,
    /// `1e2`, `-0`) is kept (`.spelled`).
    public static func parse(_ text: UnsafeBufferPointer<UInt8>, isInteger: Bool) -> Number {
        if isInteger {
            if text.count <= 18 {
                var v = 0
                var neg = false
                for (i, c) in text.enumerated() {
                    if i == 0 && c == UInt8(ascii: "-") { neg = true; continue }
                    v = v &* 10 &+ Int(c &- 0x30)
                }
                // `-0` is the only integer text that does not print as written.
                if neg && v == 0 { return .spelling(.int(0), text) }
                return .int(neg ? -v : v)
            }
            let s = String(decoding: text, as: UTF8.self)
            if let i = Int(s) { return .int(i) }
            if let b = BigInt(s) { return .big(b) }
        }
        return parseDecimal(text)
    }

    /// Parses number text such as `12`, `-3.5`, `1e400`. Nil if it is not a JSON number.
    public static func parse(_ text: String) -> Number? {
        var t = text
        return t.withUTF8 { buf -> Number? in
            guard let v = try? JSONReader.parse(UnsafeRawBufferPointer(buf)), case .number(let n) = v else { return nil }
            return n
        }
    }
}
