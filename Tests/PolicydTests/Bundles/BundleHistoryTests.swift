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
        #expect(names == ["000002.tar.gz", "000003.tar.gz", "index.json"])
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
