/// Shares repeated strings and repeated object key lists within one large JSON document.
///
/// Data documents repeat themselves: 10,000 agents each list tool names drawn from a few
/// hundred, and every agent object has the same four keys. Without sharing, each repetition
/// of a string longer than 15 UTF-8 bytes (Swift's inline limit) is its own heap allocation
/// (~64 bytes) and each object its own keys array. Strings are looked up by their source bytes
/// (hash + memcmp against the first occurrence in the document), so a hit allocates nothing.
struct JSONInterner {
    /// Strings outside this range are not interned: shorter ones are stored inline anyway,
    /// longer ones rarely repeat.
    static let minLength = 16
    static let maxLength = 256
    /// Key lists longer than this are not shared (large maps rarely repeat their key set).
    static let maxShapeKeys = 32

    private struct Entry {
        var hash: UInt64
        var offset: Int
        var length: Int
        var string: String
    }

    private var slots: [Int32]  // entry index + 1; 0 = empty. Power-of-two size, load ≤ 1/2.
    private var entries: [Entry] = []
    private var shapes = Set<[Value]>()

    init() { slots = [Int32](repeating: 0, count: 1024) }

    /// The string for the UTF-8 bytes at `base[offset..<offset+length]` (no escapes in the
    /// source), shared with an earlier identical occurrence when there is one.
    mutating func string(_ base: UnsafePointer<UInt8>, offset: Int, length: Int) -> String {
        let p = base + offset
        let h = JSONInterner.hash(p, length)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s == 0 { break }
            let e = entries[Int(s) - 1]
            if e.hash == h, e.length == length, memcmp(base + e.offset, p, length) == 0 { return e.string }
            i = (i + 1) & mask
        }
        let string = String(decoding: UnsafeBufferPointer(start: p, count: length), as: UTF8.self)
        entries.append(Entry(hash: h, offset: offset, length: length, string: string))
        slots[i] = Int32(entries.count)
        if entries.count * 2 > slots.count { rehash() }
        return string
    }

    /// The shared copy of a sorted key list equal to `keys`, or `keys` itself (now shared).
    mutating func keys(_ keys: [Value]) -> [Value] {
        guard keys.count <= JSONInterner.maxShapeKeys else { return keys }
        return shapes.insert(keys).memberAfterInsert
    }

    /// A word-at-a-time multiplicative hash (strings here are 16…256 bytes, so a byte loop
    /// would dominate the lookup).
    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        let raw = UnsafeRawPointer(p)
        var h = UInt64(length) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        while i + 8 <= length {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < length {
            // The last 8 bytes (overlapping what was hashed; length ≥ 8 here).
            h = (h ^ raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)) &* 0xC4CE_B9FE_1A85_EC53
        }
        return h ^ (h >> 29)
    }

    private mutating func rehash() {
        var fresh = [Int32](repeating: 0, count: slots.count * 2)
        let mask = fresh.count - 1
        for (n, e) in entries.enumerated() {
            var i = Int(truncatingIfNeeded: e.hash) & mask
            while fresh[i] != 0 { i = (i + 1) & mask }
            fresh[i] = Int32(n + 1)
        }
        slots = fresh
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
