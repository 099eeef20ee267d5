/// JSON text without the whitespace between tokens (strings untouched): a frame's `input`
/// bytes become one decision-log line's `input` without parsing or re-serialising. The bytes
/// were already validated by the request parser, so only string boundaries matter here; a raw
/// newline cannot occur inside a valid JSON string, so the result is always one line.
enum CompactJSON {
    /// The compact bytes appended to `out` (no string in between).
    static func append(_ src: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        forEachKept(src) { out.append($0) }
    }

    /// The compact bytes written at `dst` (room for `src.count`); returns how many.
    static func copy(_ src: UnsafeRawBufferPointer, to dst: UnsafeMutablePointer<UInt8>) -> Int {
        var k = 0
        forEachKept(src) { c in
            dst[k] = c
            k += 1
        }
        return k
    }

    static func text(_ src: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: src.count) { out in
            var k = 0
            forEachKept(src) { c in
                out[k] = c
                k += 1
            }
            return k
        }
    }

    /// Calls `body` with each byte of `src` that is not whitespace between tokens.
    @inline(__always)
    private static func forEachKept(_ src: UnsafeRawBufferPointer, _ body: (UInt8) -> Void) {
        var inString = false
        var escaped = false
        for c in src {
            if inString {
                if escaped {
                    escaped = false
                } else if c == UInt8(ascii: "\\") {
                    escaped = true
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                continue
            } else if c == UInt8(ascii: "\"") {
                inString = true
            }
            body(c)
        }
    }
}
