import Glibc

/// journald's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL), written straight into a
/// byte buffer: one datagram per entry, each field `NAME=value\n`, or, when the value holds a
/// newline, `NAME\n` + the value's length (64-bit little-endian) + the value + `\n` (what
/// `sd_journal_sendv` sends for the same fields). Names are the caller's constants.
enum JournalNative {
    /// Starts field `name`; write the value after it, then call `endField(valueStart:)`.
    @inline(__always)
    static func beginField(_ name: StaticString, _ out: inout [UInt8]) -> Int {
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(UInt8(ascii: "="))
        return out.count
    }

    /// Ends the field whose value starts at `valueStart`, switching it to the length-prefixed
    /// form if the value holds a newline.
    static func endField(valueStart: Int, _ out: inout [UInt8]) {
        let hasNewline = out.withUnsafeBufferPointer { b in
            b.count > valueStart && memchr(b.baseAddress! + valueStart, 0x0A, b.count - valueStart) != nil
        }
        if hasNewline {
            out[valueStart - 1] = 0x0A
            var length = UInt64(out.count - valueStart).littleEndian
            withUnsafeBytes(of: &length) { out.insert(contentsOf: $0, at: valueStart) }
        }
        out.append(0x0A)
    }

    static func field(_ name: StaticString, _ value: String, _ out: inout [UInt8]) {
        let start = beginField(name, &out)
        out.append(contentsOf: value.utf8)
        endField(valueStart: start, &out)
    }

    /// A field whose value is known to hold no newline (constants, numbers, ids).
    static func plainField(_ name: StaticString, _ value: some Sequence<UInt8>, _ out: inout [UInt8]) {
        _ = beginField(name, &out)
        out.append(contentsOf: value)
        out.append(0x0A)
    }

    static func decimalField(_ name: StaticString, _ value: Int64, _ out: inout [UInt8]) {
        _ = beginField(name, &out)
        DecisionLine.decimal(value, &out)
        out.append(0x0A)
    }

    /// `list` joined by `separator` as one field's value.
    static func joinedField(_ name: StaticString, _ list: [String], separator: StaticString, _ out: inout [UInt8]) {
        let start = beginField(name, &out)
        appendJoined(list, separator: separator, &out)
        endField(valueStart: start, &out)
    }

    static func appendJoined(_ list: [String], separator: StaticString, _ out: inout [UInt8]) {
        for (i, s) in list.enumerated() {
            if i > 0 {
                out.append(contentsOf: UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount))
            }
            out.append(contentsOf: s.utf8)
        }
    }

    /// The fields of one datagram, in order (nil if it is not well formed). For tests and for
    /// the fallback paths that need the fields back (`sd_journal_sendv`, stderr).
    static func fields(of datagram: some Collection<UInt8>) -> [(name: String, value: [UInt8])]? {
        let b = Array(datagram)
        var out: [(String, [UInt8])] = []
        var i = 0
        while i < b.count {
            guard let end = b[i...].firstIndex(where: { $0 == 0x0A || $0 == UInt8(ascii: "=") }) else { return nil }
            let name = String(decoding: b[i..<end], as: UTF8.self)
            if b[end] == UInt8(ascii: "=") {
                guard let nl = b[(end + 1)...].firstIndex(of: 0x0A) else { return nil }
                out.append((name, Array(b[(end + 1)..<nl])))
                i = nl + 1
            } else {
                guard end + 9 <= b.count else { return nil }
                var n: UInt64 = 0
                for k in 0..<8 { n |= UInt64(b[end + 1 + k]) << (8 * UInt64(k)) }
                let v0 = end + 9
                guard n <= UInt64(b.count - v0), v0 + Int(n) < b.count, b[v0 + Int(n)] == 0x0A else { return nil }
                out.append((name, Array(b[v0..<(v0 + Int(n))])))
                i = v0 + Int(n) + 1
            }
        }
        return out
    }
}
