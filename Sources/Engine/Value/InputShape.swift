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
    }

    /// The shape keeping exactly the given paths (each a list of object keys) as whole subtrees.
    /// An empty path keeps everything: the result is nil.
    public static func keeping(_ paths: [[String]]) -> InputShape? {
        let root = Builder()
        for p in paths { root.add(p[...]) }
        return root.build()
    }

    /// The index of the field for the key bytes `p[0..<count]` (no escapes), or -1.
    @inline(__always)
    func index(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int {
        keyBytes.withUnsafeBufferPointer { kb in
            keyStarts.withUnsafeBufferPointer { ks in
                for i in 0..<(ks.count - 1) where ks[i + 1] - ks[i] == count {
                    var j = 0
                    let k = kb.baseAddress! + ks[i]
                    while j < count, k[j] == p[j] { j += 1 }
                    if j == count { return i }
                }
                return -1
            }
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
