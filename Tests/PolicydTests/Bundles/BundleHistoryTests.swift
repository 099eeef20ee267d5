import Foundation
import Testing
@testable import policyd

/// The activation history on disk: what one instance records, a fresh instance (a restart)
/// reads back byte for byte, with the oldest entries trimmed and no temporary file left.
@Suite struct BundleHistoryTests {
    static func files(_ revision: String) -> [BundleFile] {
        [BundleFile(name: ".manifest", bytes: Array(#"{"revision":"\#(revision)"}"#.utf8)),
         BundleFile(name: "data.json", bytes: Array(#"{"rev":"\#(revision)","pad":"\#(String(repeating: "x", count: 5000))"}"#.utf8))]
    }

    @Test func recordsSurviveARestartAndTheOldestAreTrimmed() throws {
        let state = try BundleTestKit.tempDir("history")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let history = BundleHistory(stateDirectory: state, keep: 2)
        for r in ["r1", "r2", "r3"] {
            try history.record(name: "authz", files: Self.files(r), revision: r, digest: "d-" + r, dropDigest: "drop-" + r)
        }
        #expect(history.entries("authz").map(\.revision) == ["r2", "r3"])

        let restarted = BundleHistory(stateDirectory: state, keep: 2)
        let entries = restarted.entries("authz")
        #expect(entries == history.entries("authz"))
        #expect(entries.map(\.seq) == [2, 3])
        #expect(entries.map(\.dropDigest) == ["drop-r2", "drop-r3"])
        for e in entries {
            #expect(try restarted.files("authz", e, limits: .default) == Self.files(e.revision))
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: state + "/bundles/authz").sorted()
        // One file per record: the entry travels in the tarball's gzip header, no index file.
        #expect(names == ["000002.tar.gz", "000003.tar.gz"])
        #expect(try BundleHistory.entry(#require(GzipComment.read(path: state + "/bundles/authz/000003.tar.gz"))) == entries.last)
    }

    /// A state directory written by an earlier version (tarballs without a comment, entries in
    /// `index.json`) is read; new records go on from its sequence, and the index is deleted once
    /// the last tarball it described is trimmed.
    @Test func readsAndRetiresTheEarlierIndexFormat() throws {
        let state = try BundleTestKit.tempDir("history-legacy")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let dir = state + "/bundles/authz"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var index: [RawJSON] = []
        for (seq, r) in [(4, "old4"), (5, "old5")] {
            var w = TarWriter()
            for f in Self.files(r) { w.add(name: f.name, contents: f.bytes) }
            try BundleHistory.atomicWrite(TarWriter.gzip(w.finish()), to: dir + "/00000\(seq).tar.gz")
            index.append(.object([("seq", .number(String(seq))), ("revision", .string(r)), ("digest", .string("d-" + r)),
                                  ("drop_digest", .string("drop-" + r)), ("activated_at_ns", .number("7"))]))
        }
        // A tarball the old format renamed into place but never indexed (a crash between the two).
        try BundleHistory.atomicWrite(TarWriter.gzip([UInt8](repeating: 0, count: 1024)), to: dir + "/000006.tar.gz")
        try BundleHistory.atomicWrite(CanonicalJSON.canonicalBytes(.array(index)), to: dir + "/index.json")

        let history = BundleHistory(stateDirectory: state, keep: 2)
        #expect(history.entries("authz").map(\.revision) == ["old4", "old5"])
        #expect(history.entries("authz").map(\.dropDigest) == ["drop-old4", "drop-old5"])
        #expect(try history.files("authz", history.entries("authz")[1], limits: .default) == Self.files("old5"))

        try history.record(name: "authz", files: Self.files("new6"), revision: "new6", digest: "d-new6", dropDigest: "x")
        #expect(history.entries("authz").map(\.seq) == [5, 6])
        #expect(FileManager.default.fileExists(atPath: dir + "/index.json"))  // still describes 000005
        #expect(BundleHistory(stateDirectory: state, keep: 2).entries("authz").map(\.revision) == ["old5", "new6"])

        try history.record(name: "authz", files: Self.files("new7"), revision: "new7", digest: "d-new7", dropDigest: "y")
        #expect(!FileManager.default.fileExists(atPath: dir + "/index.json"))
        #expect(BundleHistory(stateDirectory: state, keep: 2).entries("authz") == history.entries("authz"))
        #expect(history.entries("authz").map(\.revision) == ["new6", "new7"])
    }

    /// The trimmed entry's file is written over (not deleted and allocated again): a shorter
    /// record leaves nothing of the longer one it replaces.
    @Test func aTrimmedFileWrittenOverHoldsExactlyTheNewRecord() throws {
        let state = try BundleTestKit.tempDir("history-reuse")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let history = BundleHistory(stateDirectory: state, keep: 2)
        let big = [BundleFile(name: "data.json", bytes: Array((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }))]
        try history.record(name: "a", files: big, revision: "big", digest: "d1", dropDigest: "")
        try history.record(name: "a", files: Self.files("s2"), revision: "s2", digest: "d2", dropDigest: "")
        try history.record(name: "a", files: Self.files("s3"), revision: "s3", digest: "d3", dropDigest: "")
        let restarted = BundleHistory(stateDirectory: state, keep: 2)
        #expect(restarted.entries("a").map(\.revision) == ["s2", "s3"])
        #expect(try restarted.files("a", restarted.entries("a")[1], limits: .default) == Self.files("s3"))
        let names = try FileManager.default.contentsOfDirectory(atPath: state + "/bundles/a").sorted()
        #expect(names == ["000002.tar.gz", "000003.tar.gz"])
        let size = try #require(FileManager.default.attributesOfItem(atPath: state + "/bundles/a/000003.tar.gz")[.size] as? Int)
        #expect(size < 20_000)
    }

    @Test func gzipCommentRoundTrip() throws {
        let dir = try BundleTestKit.tempDir("gzip-comment")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let payload = Array(repeating: UInt8(ascii: "z"), count: 3000)
        let comment = Array(#"{"revision":"r\u00e9 ü","n":1}"#.utf8) + Array(repeating: UInt8(ascii: " "), count: 5000)
        try BundleHistory.atomicWrite(TarWriter.gzip(payload, level: 1, comment: comment), to: dir + "/c.gz")
        try BundleHistory.atomicWrite(TarWriter.gzip(payload, level: 1), to: dir + "/plain.gz")
        #expect(GzipComment.read(path: dir + "/c.gz") == comment)
        #expect(GzipComment.read(path: dir + "/plain.gz") == nil)
        #expect(GzipComment.read(path: dir + "/missing.gz") == nil)
        // Readers skip the comment: the payload inflates unchanged.
        let bytes = try #require(FileManager.default.contents(atPath: dir + "/c.gz"))
        let inflater = try GzipInflater(compressed: [UInt8](bytes), limit: 1 << 20)
        #expect(try inflater.read(1 << 20) == payload)
    }

    @Test func atomicWriteReplacesTheWholeFile() throws {
        let dir = try BundleTestKit.tempDir("atomic")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/f"
        try BundleHistory.atomicWrite(Array(repeating: 0x61, count: 10_000), to: path)
        try BundleHistory.atomicWrite(Array("short".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("short".utf8))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        #expect(throws: BundleError.self) { try BundleHistory.atomicWrite([1], to: dir + "/missing/f") }
    }
}
