import Engine
import Foundation

/// The last activations of each bundle, kept in the state directory so a restart serves the
/// last known good policy (even if the drop directory now holds a bad bundle) and an operator
/// can roll back:
///
///     <state>/bundles/<name>/000007.tar.gz   the bundle's files, as activated
///     <state>/bundles/<name>/index.json      [{seq, revision, digest, drop_digest, activated_at_ns}], oldest first
///
/// Stored bundles are re-verified before they serve again (keys may have changed).
struct BundleHistory: Sendable {
    struct Entry: Sendable, Equatable {
        var seq: Int
        var revision: String
        /// Content digest (BundleDigest) of the activated files.
        var digest: String
        /// Digest of the drop that was in the watched directory at activation (so a restart
        /// does not re-activate a drop that was deliberately rolled back from).
        var dropDigest: String
        var activatedAtNs: Int64
    }

    let root: String
    let keep: Int

    init(stateDirectory: String, keep: Int) {
        root = stateDirectory + "/bundles"
        self.keep = max(1, keep)
    }

    func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func entries(_ name: String) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: dir(name) + "/index.json"),
              let raw = try? CanonicalJSON.parse([UInt8](data)), case .array(let items) = CanonicalJSON.value(raw)
        else { return [] }
        return items.compactMap { v in
            guard let seq = v["seq"]?.numberValue?.exactInt, let digest = v["digest"]?.stringValue else { return nil }
            return Entry(seq: seq, revision: v["revision"]?.stringValue ?? "", digest: digest,
                         dropDigest: v["drop_digest"]?.stringValue ?? "",
                         activatedAtNs: Int64(v["activated_at_ns"]?.numberValue?.exactInt ?? 0))
        }
    }

    func files(_ name: String, _ entry: Entry, limits: BundleLimits) throws(BundleError) -> [BundleFile] {
        try BundleArchive.read(path: path(name, entry.seq), limits: limits)
    }

    /// Records an activation; keeps the newest `keep` entries.
    @discardableResult
    func record(name: String, files: [BundleFile], revision: String, digest: String, dropDigest: String) throws -> Entry {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir(name), withIntermediateDirectories: true)
        var list = entries(name)
        let entry = Entry(seq: (list.last?.seq ?? 0) + 1, revision: revision, digest: digest, dropDigest: dropDigest,
                          activatedAtNs: EvalContext.wallClockNs())
        var writer = TarWriter()
        for f in files { writer.add(name: f.name, contents: f.bytes) }
        try Self.atomicWrite(TarWriter.gzip(writer.finish()), to: path(name, entry.seq))
        list.append(entry)
        while list.count > keep {
            try? fm.removeItem(atPath: path(name, list.removeFirst().seq))
        }
        let index: RawJSON = .array(list.map { e in
            .object([("seq", .number(String(e.seq))), ("revision", .string(e.revision)), ("digest", .string(e.digest)),
                     ("drop_digest", .string(e.dropDigest)), ("activated_at_ns", .number(String(e.activatedAtNs)))])
        })
        try Self.atomicWrite(CanonicalJSON.canonicalBytes(index), to: dir(name) + "/index.json")
        return entry
    }

    private func dir(_ name: String) -> String { root + "/" + name }
    private func path(_ name: String, _ seq: Int) -> String { dir(name) + "/" + String(format: "%06d", seq) + ".tar.gz" }

    static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw BundleError(.activation, .badArchive, "cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw BundleError(.activation, .badArchive, "cannot rename \(tmp) into place")
        }
    }
}

/// Identity of a bundle's content: SHA-256 over every (name, bytes) pair in order.
enum BundleDigest {
    static func of(_ files: [BundleFile]) -> String {
        var buffer: [UInt8] = []
        for f in files {
            buffer += Array(f.name.utf8) + [0] + Array(String(f.bytes.count).utf8) + [0]
            buffer += HashAlgorithm.sha256.digest(f.bytes)
        }
        return FileDigest.hex(HashAlgorithm.sha256.digest(buffer))
    }
}
