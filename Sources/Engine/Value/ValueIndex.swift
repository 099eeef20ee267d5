/// The hash index of a large object's keys or a large set's elements (data documents with
/// thousands of entries: `data.registry.agents[input.agent.id]`). Built once when the value is
/// built, immutable afterwards, shared by every thread.
///
/// One flat array of 8-byte slots (open addressing, linear probing, load ≤ 1/2): each slot
/// holds 32 bits of the key's hash and its position in the sorted array. A lookup hashes a
/// string key's UTF-8 bytes directly (8 at a time, no `Hasher` set-up), probes slots that are
/// adjacent in memory, and compares only keys whose hash bits match, so a hit reads one slot
/// line, the key's bytes and the value: fewer cache misses than `Dictionary<Value, Int>`
/// (bitmap, 16-byte keys, separate value array) on tables that do not fit in cache.
///
/// The hash is keyed by a per-process random seed, as `Hasher` is, so a request cannot pick
/// keys that collide in the tables it builds (large input objects get an index too).
@usableFromInline
struct ValueIndex: Sendable {
    /// 0: empty; else (upper 32 hash bits) | (position + 1).
    @usableFromInline let slots: [UInt64]
    @usableFromInline let mask: Int

    /// `keys` must be distinct (sorted object keys, set elements).
    @usableFromInline
    init(_ keys: [Value]) {
        var capacity = 16
        while capacity < 2 * keys.count { capacity <<= 1 }
        let mask = capacity - 1
        var s = [UInt64](repeating: 0, count: capacity)
        for (i, k) in keys.enumerated() {
            let h = ValueIndex.hash(k)
            var j = Int(truncatingIfNeeded: h) & mask
            while s[j] != 0 { j = (j + 1) & mask }
            s[j] = (h & ValueIndex.tagMask) | UInt64(i + 1)
        }
        slots = s
        self.mask = mask
    }

    @usableFromInline static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    /// The position of `key` in `keys` (the array the index was built from).
    @usableFromInline
    func find(_ key: Value, in keys: [Value]) -> Int? {
        let h = ValueIndex.hash(key)
        let tag = h & ValueIndex.tagMask
        let mask = self.mask
        return slots.withUnsafeBufferPointer { s in
            keys.withUnsafeBufferPointer { ks in
                var j = Int(truncatingIfNeeded: h) & mask
                while true {
                    let e = s[j]
                    if e == 0 { return nil }
                    if e & ValueIndex.tagMask == tag {
                        let i = Int(truncatingIfNeeded: e & 0xFFFF_FFFF) - 1
                        if ks[i] == key { return i }
                    }
                    j = (j + 1) & mask
                }
            }
        }
    }

    // MARK: hashing

    /// Consistent with `Value.==`: strings by their UTF-8 bytes, anything else by its
    /// `Hashable` hash (numbers equal across representations hash alike there).
    @usableFromInline
    static func hash(_ v: Value) -> UInt64 {
        guard case .string(let s) = v else { return mix(UInt64(bitPattern: Int64(v.hashValue)), 0) }
        if let h = s.utf8.withContiguousStorageIfAvailable({ bytes(UnsafeRawBufferPointer($0)) }) { return h }
        var c = s
        return c.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    /// Per process, from `Hasher`'s random seeding.
    static let seed: UInt64 = {
        var h = Hasher()
        h.combine(0x706f_6c69_6379_64 as UInt64)
        return UInt64(bitPattern: Int64(h.finalize()))
    }()

    private static let k1: UInt64 = 0xa076_1d64_78bd_642f
    private static let k2: UInt64 = 0xe703_7ed1_a0b4_28db

    /// Multiply-fold of two words (the 128-bit product's halves xor-ed).
    @inline(__always)
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = (a ^ k1).multipliedFullWidth(by: b ^ k2 ^ seed)
        return r.high ^ r.low
    }

    static func bytes(_ b: UnsafeRawBufferPointer) -> UInt64 {
        let n = b.count
        var h = seed ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = mix(b.loadUnaligned(fromByteOffset: i, as: UInt64.self), h)
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(b[i]) << shift
                shift += 8
                i += 1
            }
            h = mix(w, h)
        }
        return mix(h, UInt64(n))
    }
}
