import CZlib
import Engine
import Foundation
import NIOConcurrencyHelpers

/// The last activations of each bundle, kept in the state directory so a restart serves the
/// last known good policy (even if the drop directory now holds a bad bundle) and an operator
/// can roll back:
///
///     <state>/bundles/<name>/000007.tar.gz   the bundle's files, as activated; the gzip header's
///                                            comment holds the entry: {seq, revision, digest,
///                                            drop_digest, activated_at_ns}
///
/// The directory listing is the index (oldest = lowest sequence number). Stored bundles are
/// re-verified before they serve again (keys may have changed).
///
/// Recording runs on every activation (a reload every 50 ms under churn), right after the swap on
/// the reload thread, so it is kept to the syscalls its durability needs: ONE file per record,
/// written to a temporary name, `fdatasync`ed and renamed into place. Each flush is a journal
/// commit done by the filesystem's kernel thread at normal priority, whatever the reload thread's
/// own priority, so a second file (a rewritten index) would double the work that competes with
/// the event loops. The entries are kept in memory after the first listing, and the tarball is
/// compressed at zlib's fastest level.
///
/// State directories written by earlier versions (entries in `index.json`, tarballs without a
/// comment) are still read: a tarball without a comment takes its entry from that index, which
/// is deleted once no stored tarball needs it.
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
    /// Per bundle, the stored tarballs whose entry came from an earlier version's `index.json`.
    private let legacySeqs = NIOLockedValueBox([String: Set<Int>]())

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
            guard FileManager.default.fileExists(atPath: dir(name)) else { return }
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

    /// The stored tarballs in sequence order, each with the entry from its gzip comment (or, for
    /// one written by an earlier version, from the legacy `index.json`). A tarball with neither
    /// is not a record (the old format renamed the tarball before writing the index naming it).
    private func readEntries(_ name: String) -> [Entry] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir(name))) ?? []
        var legacy: [Int: Entry]?
        var out: [Entry] = []
        for file in files {
            guard let seq = Self.sequence(ofFile: file) else { continue }
            if let comment = GzipComment.read(path: dir(name) + "/" + file), var e = Self.entry(comment) {
                e.seq = seq
                out.append(e)
            } else {
                if legacy == nil { legacy = Dictionary(readLegacyIndex(name).map { ($0.seq, $0) }, uniquingKeysWith: { $1 }) }
                if let e = legacy?[seq] {
                    out.append(e)
                    legacySeqs.withLockedValue { $0[name, default: []].insert(seq) }
                }
            }
        }
        return out.sorted { $0.seq < $1.seq }
    }

    /// `000007.tar.gz` → 7.
    static func sequence(ofFile file: String) -> Int? {
        guard file.hasSuffix(".tar.gz") else { return nil }
        let digits = file.dropLast(7)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// An entry as stored: canonical JSON (never holds a NUL byte: JSON escapes control characters).
    static func encode(_ e: Entry) -> [UInt8] {
        CanonicalJSON.canonicalBytes(.object([("seq", .number(String(e.seq))), ("revision", .string(e.revision)),
                                              ("digest", .string(e.digest)), ("drop_digest", .string(e.dropDigest)),
                                              ("activated_at_ns", .number(String(e.activatedAtNs)))]))
    }

    static func entry(_ bytes: [UInt8]) -> Entry? {
        guard let raw = try? CanonicalJSON.parse(bytes) else { return nil }
        return entry(CanonicalJSON.value(raw))
    }

    private static func entry(_ v: Value) -> Entry? {
        guard let seq = v["seq"]?.numberValue?.exactInt, let digest = v["digest"]?.stringValue else { return nil }
        return Entry(seq: seq, revision: v["revision"]?.stringValue ?? "", digest: digest,
                     dropDigest: v["drop_digest"]?.stringValue ?? "",
                     activatedAtNs: Int64(v["activated_at_ns"]?.numberValue?.exactInt ?? 0))
    }

    /// The index an earlier version rewrote on every record.
    private func readLegacyIndex(_ name: String) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: dir(name) + "/index.json"),
              let raw = try? CanonicalJSON.parse([UInt8](data)), case .array(let items) = CanonicalJSON.value(raw)
        else { return [] }
        return items.compactMap { Self.entry($0) }
    }

    func files(_ name: String, _ entry: Entry, limits: BundleLimits) throws(BundleError) -> [BundleFile] {
        try BundleArchive.read(path: path(name, entry.seq), limits: limits)
    }

    /// Records an activation (durable when this returns); keeps the newest `keep` entries.
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
        // The file of the entry this record trims is written over instead of being deleted and a
        // new one allocated: deleting frees its blocks (a synchronous discard on a `discard`
        // mount) and the new file allocates others, all kernel work that the event loops cannot
        // preempt on a kernel without preemption. Only with another entry left to restore from
        // should this one be lost mid-write (keep ≥ 2).
        let recycled = list.count >= keep && keep >= 2 ? path(name, list[0].seq) : nil
        do {
            try Self.atomicWrite(TarWriter.gzip(writer.finish(), level: Z_BEST_SPEED, comment: Self.encode(entry)),
                                 to: path(name, entry.seq), reusing: recycled)
        } catch {
            indexes.withLockedValue { _ = $0.removeValue(forKey: name) }  // the recycled file may be gone: list again
            throw error
        }
        list.append(entry)
        while list.count > keep {
            let trimmed = path(name, list.removeFirst().seq)
            if trimmed != recycled { unlink(trimmed) }
        }
        indexes.withLockedValue { $0[name] = list }
        // An earlier version's index is stale once the last tarball it described is trimmed.
        let kept = Set(list.map(\.seq))
        let legacyDone = legacySeqs.withLockedValue { known -> Bool in
            guard let seqs = known[name], seqs.isDisjoint(with: kept) else { return false }
            known.removeValue(forKey: name)
            return true
        }
        if legacyDone { unlink(dir(name) + "/index.json") }
        set(.removed, name, false)
        return entry
    }

    private func dir(_ name: String) -> String { root + "/" + name }
    private func path(_ name: String, _ seq: Int) -> String {
        let digits = String(seq)
        return dir(name) + "/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".tar.gz"
    }

    /// Writes `bytes` to `path.tmp`, makes them durable (`fdatasync`) and renames the file into
    /// place: a crash leaves the old file or the whole new one, never a torn one. `reusing`: a
    /// file to give up whose blocks are written over (it is first renamed to `path.tmp`, so it is
    /// gone from its place even if the write fails).
    static func atomicWrite(_ bytes: [UInt8], to path: String, reusing: String? = nil) throws {
        let tmp = path + ".tmp"
        let reused = reusing.map { rename($0, tmp) == 0 } ?? false
        let fd = open(tmp, O_WRONLY | O_CREAT | (reused ? 0 : O_TRUNC) | O_CLOEXEC, 0o666)
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
        if failure == 0, reused, ftruncate(fd, off_t(bytes.count)) != 0 { failure = errno }
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
