import CZlib
import Engine
import Foundation
import NIOConcurrencyHelpers

/// The last activations of each bundle, kept in the state directory so a restart serves the
/// last known good policy (even if the drop directory now holds a bad bundle) and an operator
/// can roll back:
///
///     <state>/bundles/<name>/000007.tar.gz   the bundle's files, as activated
///     <state>/bundles/<name>/index.json      [{seq, revision, digest, drop_digest, activated_at_ns}], oldest first
///
/// Stored bundles are re-verified before they serve again (keys may have changed).
///
/// Recording runs on every activation (a reload every 50 ms under churn), right after the swap on
/// the reload thread, so it is kept to the syscalls its durability needs: each file is written
/// to a temporary name, `fdatasync`ed and renamed into place (the tarball before the index that
/// names it), the index is kept in memory after its first read instead of being parsed again,
/// no Foundation file APIs (URL building, attribute calls, `String(format:)`) are involved, and
/// the tarball is compressed at zlib's fastest level.
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
    /// Each bundle's index as last read or written by this instance (policyd is the only writer
    /// of its state directory).
    private let indexes = NIOLockedValueBox([String: [Entry]]())

    init(stateDirectory: String, keep: Int) {
        root = stateDirectory + "/bundles"
        self.keep = max(1, keep)
    }

    func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Markers next to a bundle's index: `removed` (its drop was deleted and it was
    /// deactivated: not restored at start-up) and `drop-refused` (policyd moved its last drop
    /// to rejected/, so its absence from the directory is not a removal). Best effort.
    enum Marker: String { case removed, dropRefused = "drop-refused" }

    func has(_ marker: Marker, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: dir(name) + "/" + marker.rawValue)
    }

    func set(_ marker: Marker, _ name: String, _ on: Bool) {
        let path = dir(name) + "/" + marker.rawValue
        if on {
            guard FileManager.default.fileExists(atPath: dir(name) + "/index.json") else { return }
            _ = FileManager.default.createFile(atPath: path, contents: Data())
        } else {
            unlink(path)
        }
    }

    func entries(_ name: String) -> [Entry] {
        if let known = indexes.withLockedValue({ $0[name] }) { return known }
        let read = readEntries(name)
        if !read.isEmpty { indexes.withLockedValue { $0[name] = read } }
        return read
    }

    private func readEntries(_ name: String) -> [Entry] {
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
        var list = entries(name)
        if list.isEmpty { try FileManager.default.createDirectory(atPath: dir(name), withIntermediateDirectories: true) }
        let entry = Entry(seq: (list.last?.seq ?? 0) + 1, revision: revision, digest: digest, dropDigest: dropDigest,
                          activatedAtNs: EvalContext.wallClockNs())
        var writer = TarWriter()
        for f in files { writer.add(name: f.name, contents: f.bytes) }
        // Fastest compression: this copy is read back only at start-up and rollback, and for
        // megabytes of data level 6 costs ~4× the CPU of level 1 (3.7 MB of JSON: 197 vs 50 ms).
        try Self.atomicWrite(TarWriter.gzip(writer.finish(), level: Z_BEST_SPEED), to: path(name, entry.seq))
        list.append(entry)
        while list.count > keep {
            unlink(path(name, list.removeFirst().seq))
        }
        let index: RawJSON = .array(list.map { e in
            .object([("seq", .number(String(e.seq))), ("revision", .string(e.revision)), ("digest", .string(e.digest)),
                     ("drop_digest", .string(e.dropDigest)), ("activated_at_ns", .number(String(e.activatedAtNs)))])
        })
        do { try Self.atomicWrite(CanonicalJSON.canonicalBytes(index), to: dir(name) + "/index.json") } catch {
            indexes.withLockedValue { _ = $0.removeValue(forKey: name) }  // read it again next time
            throw error
        }
        indexes.withLockedValue { $0[name] = list }
        set(.removed, name, false)
        return entry
    }

    private func dir(_ name: String) -> String { root + "/" + name }
    private func path(_ name: String, _ seq: Int) -> String {
        let digits = String(seq)
        return dir(name) + "/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".tar.gz"
    }

    /// Writes `bytes` to `path.tmp`, makes them durable (`fdatasync`) and renames the file into
    /// place: a crash leaves the old file or the whole new one, never a torn one.
    static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw BundleError(.activation, .badArchive, "cannot write \(tmp): errno \(errno)") }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var at = 0
            while at < raw.count {
                let n = write(fd, raw.baseAddress! + at, raw.count - at)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                at += n
            }
        }
        if failure == 0, fdatasync(fd) != 0 { failure = errno }
        close(fd)
        guard failure == 0 else {
            unlink(tmp)
            throw BundleError(.activation, .badArchive, "cannot write \(tmp): errno \(failure)")
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
