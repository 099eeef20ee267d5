/// The parts of an input document a policy can observe: a tree of object keys whose leaves
/// are whole subtrees. `JSONReader.parse(_:shape:maxDepth:)` builds values only for those
/// parts and validates the rest without building anything.
///
/// An object at a node of the shape keeps only the shape's keys (each either whole or
/// projected further); a non-object at a node is kept whole (a key lookup on it is undefined
/// either way, and `with input.a.b as …` replaces it the same way). The compiler derives a
/// shape per entrypoint (`PreparedQuery.inputShape`); nil there means "the whole input".
public final class InputShape: Sendable {
    /// One kept key: its UTF-8 bytes (to match undecoded JSON keys), the key as a value (shared
    /// by every parsed object, no allocation per request), and what to keep below it.
    struct Field: Sendable {
        let key: [UInt8]
        let keyValue: Value
        /// nil: the whole value under this key.
        let shape: InputShape?
    }

    /// Sorted by key bytes, so field order is Rego's key order (lookups scan: shapes are small).
    let fields: [Field]
    /// The same keys for the reader's hot loop: index lookups, no `Field` copies.
    let keyValues: [Value]
    let children: [InputShape?]
    private let keyStarts: [Int]
    private let keyBytes: [UInt8]
    /// Per field: the key's length and its first 8 bytes as a little-endian word (zero-padded),
    /// so a JSON key is matched by one length and one word compare (most keys fit in 8 bytes).
    private let keyLengths: [Int]
    private let keyHeads: [UInt64]

    init(fields: [Field]) {
        self.fields = fields
        keyValues = fields.map(\.keyValue)
        children = fields.map(\.shape)
        var starts: [Int] = [0]
        var bytes: [UInt8] = []
        for f in fields {
            bytes.append(contentsOf: f.key)
            starts.append(bytes.count)
        }
        keyStarts = starts
        keyBytes = bytes
        keyLengths = fields.map(\.key.count)
        keyHeads = fields.map { f in InputShape.head(f.key.withUnsafeBufferPointer { $0.baseAddress }, f.key.count) }
    }

    /// The first `min(count, 8)` bytes at `p` as a little-endian word, the rest zero.
    @inline(__always)
    static func head(_ p: UnsafePointer<UInt8>?, _ count: Int) -> UInt64 {
        var w: UInt64 = 0
        guard let p else { return 0 }
        for i in 0..<min(count, 8) { w |= UInt64(p[i]) << (8 * UInt64(i)) }
        return w
    }

    /// The shape keeping exactly the given paths (each a list of object keys) as whole subtrees.
    /// An empty path keeps everything: the result is nil.
    public static func keeping(_ paths: [[String]]) -> InputShape? {
        let root = Builder()
        for p in paths { root.add(p[...]) }
        return root.build()
    }

    /// The index of the field for the key bytes `p[0..<count]` (no escapes), or -1.
    /// `readable`: bytes that may be read from `p` (at least `count`); with 8 or more the key's
    /// head is one unaligned load, masked to the key's length.
    @inline(__always)
    func index(_ p: UnsafePointer<UInt8>, _ count: Int, readable: Int) -> Int {
        let head: UInt64
        if readable >= 8 {
            let w = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
            #if _endian(little)
            head = count >= 8 ? w : w & ((1 << (8 * UInt64(count))) &- 1)
            #else
            head = InputShape.head(p, count)
            #endif
        } else {
            head = InputShape.head(p, count)
        }
        return keyLengths.withUnsafeBufferPointer { kl in
            keyHeads.withUnsafeBufferPointer { kh in
                for i in 0..<kl.count where kl[i] == count && kh[i] == head {
                    if count <= 8 || tailEquals(i, p, count) { return i }
                }
                return -1
            }
        }
    }

    /// Bytes 8..<count of field `i`'s key equal `p[8..<count]`.
    private func tailEquals(_ i: Int, _ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        keyBytes.withUnsafeBufferPointer { kb in
            let k = kb.baseAddress! + keyStarts[i]
            var j = 8
            while j < count, k[j] == p[j] { j += 1 }
            return j == count
        }
    }

    /// The index of the field for a decoded key, or -1.
    func index(_ key: String) -> Int {
        for (i, f) in fields.enumerated() where f.key.elementsEqual(key.utf8) { return i }
        return -1
    }

    /// `{a: *, b: {c: *}}`-style text for tests and diagnostics (`*` = whole).
    public var description: String {
        "{" + fields.map { f in
            JSONWriter.string(f.keyValue) + ": " + (f.shape?.description ?? "*")
        }.joined(separator: ", ") + "}"
    }

    /// Accumulates observed paths; a path that is a prefix of another absorbs it.
    final class Builder {
        private(set) var whole = false
        private var children: [String: Builder] = [:]

        func add(_ path: ArraySlice<String>) {
            if whole { return }
            guard let first = path.first else {
                whole = true
                children = [:]
                return
            }
            let c: Builder
            if let existing = children[first] { c = existing } else { c = Builder(); children[first] = c }
            c.add(path.dropFirst())
        }

        /// nil when the whole value is kept.
        func build() -> InputShape? {
            if whole { return nil }
            let keys = children.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return InputShape(fields: keys.map { k in
                Field(key: Array(k.utf8), keyValue: .string(k), shape: children[k]!.build())
            })
        }
    }
}
