// Rego's total order over values (OPA's ast.Compare) and the equality/hash that agree with it.

/// Byte-wise UTF-8 equality: OPA compares strings as bytes; Swift's `==` would treat
/// canonically equivalent strings ("é" vs "e\u{301}") as equal.
@inlinable @inline(__always)
public func regoStringsEqual(_ a: String, _ b: String) -> Bool {
    // The same representation (one shared storage, or the same small string) is equal, and
    // strings of different UTF-8 lengths are not: most comparisons (a key against the
    // policy's own string, membership in a short list) end here, inlined, without touching
    // the bytes or retaining either string.
    if stringRepresentationsEqual(a, b) { return true }
    if a.utf8.count != b.utf8.count { return false }
    return regoStringBytesEqual(a, b)
}

/// `regoStringsEqual` for two strings of the same length: compares their bytes.
@usableFromInline @inline(never)
func regoStringBytesEqual(_ a: String, _ b: String) -> Bool {
    // Native strings: compare the stored UTF-8 in place (no copy, so no retain/release).
    if let r = a.utf8.withContiguousStorageIfAvailable({ pa in
        b.utf8.withContiguousStorageIfAvailable { pb in
            pa.count == pb.count && (pa.count == 0 || memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0)
        }
    }), let r {
        return r
    }
    var a = a, b = b
    return a.withUTF8 { pa in
        b.withUTF8 { pb in
            pa.count == pb.count && (pa.count == 0 || memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0)
        }
    }
}

/// True when `a` and `b` are the same bits (so the same bytes); false says nothing.
@inlinable @inline(__always)
func stringRepresentationsEqual(_ a: String, _ b: String) -> Bool {
    #if arch(x86_64) || arch(arm64)
    let x = unsafeBitCast(a, to: (UInt64, UInt64).self), y = unsafeBitCast(b, to: (UInt64, UInt64).self)
    return x == y
    #else
    return false
    #endif
}

/// Byte-wise UTF-8 order (for valid UTF-8 this is code-point order, which is OPA's order).
@inlinable
public func regoStringsCompare(_ a: String, _ b: String) -> Int {
    if let r = a.utf8.withContiguousStorageIfAvailable({ pa in
        b.utf8.withContiguousStorageIfAvailable { pb in
            let n = min(pa.count, pb.count)
            if n > 0 {
                let c = memcmp(pa.baseAddress!, pb.baseAddress!, n)
                if c != 0 { return c < 0 ? -1 : 1 }
            }
            return pa.count < pb.count ? -1 : (pa.count == pb.count ? 0 : 1)
        }
    }), let r {
        return r
    }
    var a = a, b = b
    return a.withUTF8 { pa in
        b.withUTF8 { pb in
            let n = min(pa.count, pb.count)
            if n > 0 {
                let c = memcmp(pa.baseAddress!, pb.baseAddress!, n)
                if c != 0 { return c < 0 ? -1 : 1 }
            }
            return pa.count < pb.count ? -1 : (pa.count == pb.count ? 0 : 1)
        }
    }
}

extension Value {
    /// Three-way comparison in Rego's order: null < boolean < number < string < array <
    /// object < set; within a type, by value (arrays and sets element-wise then by length,
    /// objects by sorted keys then values).
    @inlinable
    public static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.string(let x), .string(let y)): return regoStringsCompare(x, y)
        case (.number(let x), .number(let y)): return Number.compare(x, y)
        case (.null, .null): return 0
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.array(let x), .array(let y)): return compareSequences(x, y)
        case (.set(let x), .set(let y)): return compareSequences(x.elements, y.elements)
        case (.object(let x), .object(let y)): return compareObjects(x, y)
        default:
            let ra = a.typeRank, rb = b.typeRank
            return ra < rb ? -1 : (ra == rb ? 0 : 1)
        }
    }

    @usableFromInline
    static func compareSequences(_ x: [Value], _ y: [Value]) -> Int {
        let n = min(x.count, y.count)
        for i in 0..<n {
            let c = compare(x[i], y[i])
            if c != 0 { return c }
        }
        return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
    }

    @usableFromInline
    static func compareObjects(_ x: ObjectValue, _ y: ObjectValue) -> Int {
        let n = min(x.count, y.count)
        let xk = x.keys, yk = y.keys, xv = x.values, yv = y.values
        for i in 0..<n {
            let kc = compare(xk[i], yk[i])
            if kc != 0 { return kc }
            let vc = compare(xv[i], yv[i])
            if vc != 0 { return vc }
        }
        return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
    }
}

extension Value: Equatable, Hashable, Comparable {
    @inlinable
    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return regoStringsEqual(x, y)
        case (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        case (.array(let x), .array(let y)): return x.count == y.count && x == y
        case (.object(let x), .object(let y)):
            return x.storage === y.storage || (x.count == y.count && x.keys == y.keys && x.values == y.values)
        case (.set(let x), .set(let y)):
            return x.storage === y.storage || (x.count == y.count && x.elements == y.elements)
        default: return false
        }
    }

    public static func < (a: Value, b: Value) -> Bool { compare(a, b) < 0 }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0 as UInt8)
        case .bool(let b): hasher.combine(b)
        case .number(let n): hasher.combine(n)
        case .string(let s):
            // Hash the bytes, consistent with byte-wise equality.
            var s = s
            s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        case .array(let a):
            hasher.combine(4 as UInt8)
            hasher.combine(a.count)
            for e in a { e.hash(into: &hasher) }
        case .object(let o):
            hasher.combine(5 as UInt8)
            hasher.combine(o.count)
            for (k, v) in o.pairs { k.hash(into: &hasher); v.hash(into: &hasher) }
        case .set(let s):
            hasher.combine(6 as UInt8)
            hasher.combine(s.count)
            for e in s.elements { e.hash(into: &hasher) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
