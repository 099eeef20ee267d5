// Projected parsing (see InputShape): values are built only under the shape's keys; every
// other value is skipped by a validating scanner that allocates nothing. The scanner checks
// exactly what the full parser checks, in the same order, with the same messages and offsets
// (strings with escapes are handed to the full parser's decoder), so a document is rejected by
// the projected parse if and only if, and exactly as, the full parse rejects it.

extension JSONReader {
    /// Parses `bytes` keeping only what `shape` describes (nil: everything, as
    /// `parse(_:maxDepth:)`). Invalid JSON anywhere in the document is rejected as by
    /// `parse(_:maxDepth:)`; duplicate kept keys keep the last value.
    public static func parse(_ bytes: UnsafeRawBufferPointer, shape: InputShape?, maxDepth: Int = defaultMaxDepth)
        throws(JSONParseError) -> Value
    {
        guard let shape else { return try parse(bytes, maxDepth: maxDepth) }
        return try withReader(bytes, maxDepth: maxDepth, trackNumberSpelling: false) { reader throws(JSONParseError) in
            reader.skipWhitespace()
            let v = try reader.parseValue(depth: 0, shape: shape)
            reader.skipWhitespace()
            if reader.pos != reader.end { throw reader.error("unexpected data after JSON value") }
            return v
        }
    }

    /// Parses the one JSON value that starts at `start` inside a larger document (a request
    /// envelope whose reader hands over the value's first byte), keeping only `shape` (nil:
    /// all of it), and returns it with the offset just past it; nothing after the value is
    /// read, so the caller goes on from `end`. `compact`: no whitespace between the value's
    /// tokens. A value is accepted, and parsed, exactly as `parse(_:shape:maxDepth:)` accepts
    /// and parses its bytes alone (a JSON value ends at its own closing token; a number at
    /// the first byte that cannot continue it). Error offsets are relative to `bytes`.
    public static func parseEmbedded(_ bytes: UnsafeRawBufferPointer, at start: Int, shape: InputShape?,
                                     maxDepth: Int = defaultMaxDepth)
        throws(JSONParseError) -> (value: Value, end: Int, compact: Bool)
    {
        // The whole buffer's size picks the scratch stack (an envelope is small; a big one
        // takes the heap stack and the interner, as before).
        return try withReader(bytes, maxDepth: maxDepth, trackNumberSpelling: false) { reader throws(JSONParseError) in
            reader.pos = start
            let v: Value
            if let shape { v = try reader.parseValue(depth: 0, shape: shape) } else { v = try reader.parseValue(depth: 0) }
            return (v, reader.pos, !reader.sawWhitespace)
        }
    }

    /// `parseValue(depth:)` keeping only `shape` of an object (anything else is kept whole).
    mutating func parseValue(depth: Int, shape: InputShape) throws(JSONParseError) -> Value {
        guard pos < end, base[pos] == UInt8(ascii: "{") else { return try parseValue(depth: depth) }
        let d = depth + 1
        if try openContainer(depth: d, close: UInt8(ascii: "}")) { return .object(ObjectValue()) }
        let first = stackCount
        var sorted = true
        var last = -1  // fields are in key order: increasing indexes mean sorted, unique keys
        repeat {
            try expectKey()
            let i = try keptField(shape)
            try expectColon()
            if i >= 0 {
                if i <= last { sorted = false }
                last = i
                push(shape.keyValues[i])
                if let sub = shape.children[i].map(Unmanaged.passUnretained) {
                    // The child shape is lent, not retained and released around the call (the
                    // caller holds `shape`, which never changes).
                    var r: Result<Value, JSONParseError>?
                    sub._withUnsafeGuaranteedRef { s in r = Result { () throws(JSONParseError) in try parseValue(depth: d, shape: s) } }
                    push(try r!.get())
                } else {
                    push(try parseValue(depth: d))
                }
            } else {
                try skipValue(depth: d)
            }
        } while try nextMember(close: UInt8(ascii: "}"))
        // Every key of the shape once, in order (the usual request): its keys array is shared.
        if sorted, stackCount - first == 2 * shape.keyValues.count {
            return finishObject(first: first, keys: shape.keyValues)
        }
        return finishObject(first: first, sorted: sorted)
    }

    /// Reads an object key (at its opening quote) and returns the index of the shape's field
    /// for it, or -1 when it is not kept.
    private mutating func keptField(_ shape: InputShape) throws(JSONParseError) -> Int {
        let quote = pos
        pos += 1
        let start = pos
        if try scanPlainString() {
            pos += 1
            return shape.index(base + start, pos - 1 - start)
        }
        // Escapes, a control character or the end of input: decode (or fail) as the full parser does.
        pos = quote
        return shape.index(try parseString())
    }

    /// Validates and passes over one value (the mirror of `parseValue(depth:)`).
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard pos < end else { throw error("unexpected end of JSON input") }
        switch base[pos] {
        case UInt8(ascii: "{"): try skipObject(depth: depth + 1)
        case UInt8(ascii: "["): try skipArray(depth: depth + 1)
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: throw error("invalid character '\(Character(Unicode.Scalar(base[pos])))' looking for beginning of value")
        }
    }

    private mutating func skipObject(depth: Int) throws(JSONParseError) {
        if try openContainer(depth: depth, close: UInt8(ascii: "}")) { return }
        repeat {
            try expectKey()
            try skipString()
            try expectColon()
            try skipValue(depth: depth)
        } while try nextMember(close: UInt8(ascii: "}"))
    }

    private mutating func skipArray(depth: Int) throws(JSONParseError) {
        if try openContainer(depth: depth, close: UInt8(ascii: "]")) { return }
        repeat {
            skipWhitespace()
            try skipValue(depth: depth)
        } while try nextMember(close: UInt8(ascii: "]"))
    }

    /// Validates a string literal (at its opening quote) without building it.
    private mutating func skipString() throws(JSONParseError) {
        let quote = pos
        pos += 1
        if try scanPlainString() {
            pos += 1
            return
        }
        // Escapes (rare in keys and values agents send): the full decoder validates them.
        pos = quote
        _ = try parseString()
    }
}
