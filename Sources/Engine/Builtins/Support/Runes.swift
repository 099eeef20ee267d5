/// Rune (Unicode scalar) helpers: OPA's string builtins index and count runes, as Go does,
/// never Swift grapheme clusters.
extension String {
    /// The string's Unicode scalars as an array (for index arithmetic in runes).
    @inlinable var runes: [Unicode.Scalar] { Array(unicodeScalars) }

    @inlinable init(runes: some Sequence<Unicode.Scalar>) {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: runes)
        self = String(s)
    }

    /// Byte-wise prefix test (Go's strings.HasPrefix), without Swift's canonical equivalence.
    @inlinable func hasBytePrefix(_ p: String) -> Bool {
        // Native strings: one memcmp of the stored UTF-8 (the generic element loop otherwise).
        if let r = utf8.withContiguousStorageIfAvailable({ a in
            p.utf8.withContiguousStorageIfAvailable { b in
                b.count <= a.count && (b.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, b.count) == 0)
            }
        }), let r {
            return r
        }
        let a = utf8, b = p.utf8
        if b.count > a.count { return false }
        return a.prefix(b.count).elementsEqual(b)
    }

    @inlinable func hasByteSuffix(_ p: String) -> Bool {
        if let r = utf8.withContiguousStorageIfAvailable({ a in
            p.utf8.withContiguousStorageIfAvailable { b in
                b.count <= a.count && (b.isEmpty || memcmp(a.baseAddress! + (a.count - b.count), b.baseAddress!, b.count) == 0)
            }
        }), let r {
            return r
        }
        let a = utf8, b = p.utf8
        if b.count > a.count { return false }
        return a.suffix(b.count).elementsEqual(b)
    }

    /// Byte offset of the first occurrence of `needle` at or after `from` (Go's strings.Index).
    func byteIndex(of needle: String, from: Int = 0) -> Int? {
        let h = Array(utf8), n = Array(needle.utf8)
        return Bytes.index(of: n, in: h, from: from)
    }
}

/// Byte-sequence search helpers over UTF-8.
enum Bytes {
    /// Whether `n` occurs in `h` (n non-empty).
    static func contains(_ h: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>) -> Bool {
        if n.count > h.count { return false }
        let first = n[0], last = h.count - n.count
        var i = 0
        while i <= last {
            if h[i] == first {
                var j = 1
                while j < n.count && h[i + j] == n[j] { j += 1 }
                if j == n.count { return true }
            }
            i += 1
        }
        return false
    }

    static func index(of n: [UInt8], in h: [UInt8], from: Int = 0) -> Int? {
        if n.isEmpty { return from <= h.count ? from : nil }
        if n.count > h.count - from { return nil }
        let first = n[0]
        var i = from
        let last = h.count - n.count
        while i <= last {
            if h[i] == first {
                var j = 1
                while j < n.count && h[i + j] == n[j] { j += 1 }
                if j == n.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Go's strings.Split semantics on bytes; `n < 0` means all (strings.SplitN).
    static func split(_ h: [UInt8], _ sep: [UInt8], n: Int = -1) -> [[UInt8]] {
        if n == 0 { return [] }
        if sep.isEmpty {
            // Split into UTF-8 sequences (runes).
            let s = String(decoding: h, as: UTF8.self)
            var out: [[UInt8]] = []
            var scalars = Array(s.unicodeScalars)
            if n > 0 && scalars.count > n {
                let rest = String(runes: scalars[(n - 1)...])
                scalars = Array(scalars[..<(n - 1)])
                out = scalars.map { Array(String($0).utf8) }
                out.append(Array(rest.utf8))
                return out
            }
            return scalars.map { Array(String($0).utf8) }
        }
        var out: [[UInt8]] = []
        var start = 0
        while n < 0 || out.count < n - 1 {
            guard let i = index(of: sep, in: h, from: start) else { break }
            out.append(Array(h[start..<i]))
            start = i + sep.count
        }
        out.append(Array(h[start...]))
        return out
    }

    static func count(of sep: [UInt8], in h: [UInt8]) -> Int {
        if sep.isEmpty { return String(decoding: h, as: UTF8.self).unicodeScalars.count + 1 }
        var c = 0, start = 0
        while let i = index(of: sep, in: h, from: start) { c += 1; start = i + sep.count }
        return c
    }

    /// Go's decoding of invalid UTF-8: each byte that does not start a valid sequence is
    /// U+FFFD on its own.
    static func goLossy(_ a: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        var i = 0
        while i < a.count {
            let b = a[i]
            var n = 0, lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b {
            case 0x00...0x7F: out.append(Unicode.Scalar(b)); i += 1; continue
            case 0xC2...0xDF: n = 1
            case 0xE0: n = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: n = 2
            case 0xED: n = 2; hi = 0x9F
            case 0xF0: n = 3; lo = 0x90
            case 0xF1...0xF3: n = 3
            case 0xF4: n = 3; hi = 0x8F
            default: n = 0
            }
            var ok = n > 0 && i + n < a.count
            if ok {
                for k in 1...n {
                    let c = a[i + k]
                    if c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF) { ok = false; break }
                }
            }
            if ok, let s = String(validating: a[i...(i + n)], as: UTF8.self) {
                out.append(contentsOf: s.unicodeScalars); i += n + 1
            } else {
                out.append("\u{FFFD}"); i += 1
            }
        }
        return String(out)
    }

    /// Go's strings.Replace with n < 0 meaning all.
    static func replace(_ h: [UInt8], _ old: [UInt8], _ new: [UInt8], n: Int = -1) -> [UInt8] {
        if n == 0 || old == new { return h }
        if old.isEmpty {
            // OPA's replace (a Go strings.Replacer) inserts `new` before every byte and at the end,
            // splitting multi-byte characters (each stray byte then reads as U+FFFD).
            var out: [UInt8] = []
            var done = 0
            for b in h {
                if n < 0 || done < n { out += new; done += 1 }
                out.append(b)
            }
            if n < 0 || done < n { out += new }
            return out
        }
        var out: [UInt8] = []
        var start = 0, done = 0
        while n < 0 || done < n {
            guard let i = index(of: old, in: h, from: start) else { break }
            out += h[start..<i]
            out += new
            start = i + old.count
            done += 1
        }
        out += h[start...]
        return out
    }
}

extension Value {
    /// Wraps UTF-8 bytes as a string value. Invalid UTF-8 becomes U+FFFD byte by byte, as Go
    /// reads it (a truncated sequence `F0 90 80` is three replacement characters, where
    /// Swift's decoding would make one).
    static func string(bytes: some Collection<UInt8>) -> Value {
        if let s = String(validating: bytes, as: UTF8.self) { return .string(s) }
        return .string(Bytes.goLossy(Array(bytes)))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
