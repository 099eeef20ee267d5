import Engine
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes a response through a raw pointer into space reserved once in the outgoing
/// `ByteBuffer` (`writeWithUnsafeMutableBytes`), for a response whose size is bounded up front.
/// Each `ByteBuffer.write…` call checks capacity, uniqueness and exclusive access of the
/// buffer's storage; a decision response is ~15 pieces, so those checks were most of the cost
/// of building it. The bytes are those `ByteBuffer+JSON` writes (JSONWriter's compact output).
struct ByteCursor {
    let base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0

    init(_ raw: UnsafeMutableRawBufferPointer) {
        base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
    }

    /// Upper bound of a JSON string literal's size (every byte escaped as `\u00XX`, quotes).
    @inline(__always)
    static func bound(_ s: String) -> Int { s.utf8.count * 6 + 2 }

    static func bound(_ list: [String]) -> Int {
        var n = 2
        for s in list { n += bound(s) + 1 }
        return n
    }

    @inline(__always)
    mutating func skip(_ n: Int) { count += n }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func append(_ s: StaticString) {
        memcpy(base + count, s.utf8Start, s.utf8CodeUnitCount)
        count += s.utf8CodeUnitCount
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if let p = bytes.baseAddress { memcpy(base + count, p, bytes.count) }
        count += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// A decimal integer, digits written in place, two at a time (half the divisions: the
    /// response's `eval_ns` and the log line's two timers are 4–6 digits).
    mutating func appendDecimal(_ v: Int64) {
        if v < 0 { append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits = 1
        var t = m
        while t >= 100 { t /= 100; digits += 2 }
        if t >= 10 { digits += 1 }
        let pairs = Self.digitPairs.utf8Start
        var i = count + digits
        while m >= 100 {
            let r = Int(m % 100) &* 2
            m /= 100
            i -= 2
            base[i] = pairs[r]
            base[i + 1] = pairs[r + 1]
        }
        if m >= 10 {
            let r = Int(m) &* 2
            base[i - 2] = pairs[r]
            base[i - 1] = pairs[r + 1]
        } else {
            base[i - 1] = UInt8(ascii: "0") &+ UInt8(m)
        }
        count += digits
    }

    /// "00" … "99" (a literal, not a stored static: no lazy-initialisation check per call).
    static var digitPairs: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }

    /// `s` as a JSON string literal: a plain copy when nothing needs escaping (the usual case).
    mutating func appendJSONString(_ s: String) {
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { u in
            for c in u where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return false }
            append(UInt8(ascii: "\""))
            append(UnsafeRawBufferPointer(u))
            append(UInt8(ascii: "\""))
            return true
        }
        if copied == true { return }
        var w = JSONWriter(reserve: s.utf8.count + 8)
        w.writeString(s)
        append(w.bytes)
    }

    mutating func appendJSONStrings(_ list: [String]) {
        append(UInt8(ascii: "["))
        for i in list.indices {
            if i > 0 { append(UInt8(ascii: ",")) }
            appendJSONString(list[i])
        }
        append(UInt8(ascii: "]"))
    }

    /// Stores `v` big-endian at `offset` (a frame's length header).
    mutating func set(_ v: UInt32, at offset: Int) {
        base[offset] = UInt8(truncatingIfNeeded: v >> 24)
        base[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
        base[offset + 2] = UInt8(truncatingIfNeeded: v >> 8)
        base[offset + 3] = UInt8(truncatingIfNeeded: v)
    }
}
