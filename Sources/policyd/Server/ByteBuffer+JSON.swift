import Engine
import NIOCore

/// JSON written straight into the outgoing buffer (responses), byte-identical to `JSONWriter`'s
/// compact output.
extension ByteBuffer {
    @inline(__always)
    private static func needsEscape(_ c: UInt8) -> Bool {
        c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\")
    }

    /// `s` as a JSON string literal: a plain copy when nothing needs escaping (the usual case).
    mutating func writeJSONString(_ s: String) {
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { u in
            for c in u where Self.needsEscape(c) { return false }
            writeInteger(UInt8(ascii: "\""))
            writeBytes(UnsafeRawBufferPointer(u))
            writeInteger(UInt8(ascii: "\""))
            return true
        }
        if copied == true { return }
        var w = JSONWriter(reserve: s.utf8.count + 8)
        w.writeString(s)
        writeBytes(w.bytes)
    }

    mutating func writeJSONStrings(_ list: [String]) {
        writeInteger(UInt8(ascii: "["))
        for (i, s) in list.enumerated() {
            if i > 0 { writeInteger(UInt8(ascii: ",")) }
            writeJSONString(s)
        }
        writeInteger(UInt8(ascii: "]"))
    }

    /// A value: scalars directly, anything else through `JSONWriter`.
    mutating func writeJSON(_ v: Value?) {
        switch v {
        case nil, .null?: writeStaticString("null")
        case .bool(let b)?: writeStaticString(b ? "true" : "false")
        case .number(.int(let i))?: writeDecimal(i)
        case .string(let s)?: writeJSONString(s)
        case let v?: writeBytes(JSONWriter.data(v))
        }
    }

    /// A decimal integer, digits written in place (no String).
    mutating func writeDecimal(_ v: Int64) {
        var m = v.magnitude
        var digits = 1
        var t = m
        while t >= 10 { t /= 10; digits += 1 }
        let n = digits + (v < 0 ? 1 : 0)
        writeWithUnsafeMutableBytes(minimumWritableBytes: n) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if v < 0 { p[0] = UInt8(ascii: "-") }
            var i = n - 1
            repeat {
                p[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
                i -= 1
            } while m > 0
            return n
        }
    }

    mutating func writeDecimal(_ v: Int) { writeDecimal(Int64(v)) }
}
