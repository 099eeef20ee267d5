import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import policyd

/// The watcher follows directory bundles' subtrees, including directories that appear later.
@Suite struct BundleWatcherTests {
    @Test func watchesSubdirectoriesAsTheyAppearAndDebouncesBursts() async throws {
        let dir = try BundleTestKit.tempDir("watch")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/pre/a/b", withIntermediateDirectories: true)
        let calls = NIOLockedValueBox(0)
        let w = try BundleWatcher(directory: dir, debounceMs: 50) { calls.withLockedValue { $0 += 1 } }
        #expect(w.watchCount == 4)  // dir, pre, pre/a, pre/a/b
        w.start()
        defer { w.stop() }
        // Waits for a first call (the machine may be busy), then for stragglers; returns and resets the count.
        func settle(expectingCall: Bool = true) async throws -> Int {
            let deadline = Date().addingTimeInterval(expectingCall ? 10 : 0.5)
            while Date() < deadline, calls.withLockedValue({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(300))
            return calls.withLockedValue { v in defer { v = 0 }; return v }
        }
        // A file deep in an existing bundle is seen.
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/pre/a/b/policy.rego"))
        #expect(try await settle() >= 1)
        // A new bundle created in place, nested: watched, and a burst of writes is debounced
        // (one call; two if the scheduler splits the burst on a loaded machine).
        try FileManager.default.createDirectory(atPath: dir + "/fresh/x/y", withIntermediateDirectories: true)
        for i in 0..<5 { try Data("\(i)".utf8).write(to: URL(fileURLWithPath: dir + "/fresh/x/y/f\(i).json")) }
        #expect((1...2).contains(try await settle()))
        #expect(w.watchCount == 7)
        try Data("late".utf8).write(to: URL(fileURLWithPath: dir + "/fresh/x/y/.manifest"))
        #expect(try await settle() >= 1)
        // Dotfiles and temporary names at the top are not drops.
        try Data("t".utf8).write(to: URL(fileURLWithPath: dir + "/.hidden.tar.gz"))
        try Data("t".utf8).write(to: URL(fileURLWithPath: dir + "/x.tar.gz.tmp"))
        #expect(try await settle(expectingCall: false) == 0)
    }
}
