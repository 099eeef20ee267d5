import Engine
import Foundation
import NIOCore
import Testing
import Wire
@testable import policyd

/// Signed bundles through the real daemon binary: drops picked up by inotify, refused drops
/// reported in `status` while the old revision keeps answering, and swaps every 50 ms under a
/// pipelined load from 8 clients with zero failed requests.
@Suite(.serialized) struct BundleDaemonE2ETests {
    static var binaryExists: Bool { PolicyClientIntegrationTests.binaryExists }

    final class Daemon {
        let process = Process()
        let dir: String
        var socket: String { dir + "/d.sock" }
        var drop: String { dir + "/drop" }
        var state: String { dir + "/state" }

        init(history: Int = 1000) throws {
            dir = try BundleTestKit.tempDir("e2e")
            try FileManager.default.createDirectory(atPath: dir + "/drop", withIntermediateDirectories: true)
            try Data(BundleTestKit.publicPEM).write(to: URL(fileURLWithPath: dir + "/k1.pem"))
            let limits = BundleTestKit.testLimits
            try """
                state_dir: \(dir)/state
                bundles:
                  dir: \(dir)/drop
                  debounce_ms: 5
                  history: \(history)
                  max_compressed_bytes: \(limits.maxCompressedBytes)
                  max_bundle_bytes: \(limits.maxUncompressedBytes)
                  signing:
                    scope: prod
                keys:
                  k1:
                    algorithm: ES256
                    key_file: \(dir)/k1.pem
                default_path: authz
                log:
                  target: stderr
                  level: warning
                """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        }

        func start(environment: [String: String] = [:]) throws {
            process.executableURL = URL(fileURLWithPath: PolicyClientIntegrationTests.binary)
            process.arguments = ["serve", "--config", dir + "/c.yaml", "--socket", socket]
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            while !SocketProbe.accepts(socket) {
                guard Date() < deadline, process.isRunning else { throw CocoaError(.fileNoSuchFile) }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        func stop() {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: dir)
        }

        func rejectedCount() -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: state + "/rejected")) ?? []).count }

        /// Polls until `condition` holds (or fails after `seconds`).
        func wait(_ what: String, seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while try await !condition() {
                guard Date() < deadline else {
                    Issue.record("timed out waiting for \(what)")
                    throw CancellationError()
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    static func status(_ client: PolicyClient) async throws -> (revision: String?, error: String?) {
        let s = try await client.status()
        let b = s["bundles"]?["authz"]
        return (b?["revision"]?.stringValue, b?["last_error"]?.stringValue)
    }

    @Test(.enabled(if: binaryExists, "needs swift build"))
    func dropsActivateAndEveryBadDropIsRefusedWhileTheOldRevisionServes() async throws {
        let d = try Daemon()
        try d.start()
        defer { d.stop() }
        let client = PolicyClient(socketPath: d.socket)
        try BundleTestKit.drop(try BundleTestKit.signed(BundleTestKit.files(revision: "r1")), name: "authz", into: d.drop)
        try await d.wait("r1") { try await Self.status(client).revision == "r1" }

        for (i, bad) in try BundleTestKit.badDrops(revision: "r2").enumerated() {
            try BundleTestKit.drop(bad.bytes, name: "authz", into: d.drop)
            try await d.wait("rejection of \(bad.label)") { d.rejectedCount() == i + 1 }
            let s = try await Self.status(client)
            #expect(s.revision == "r1", "\(bad.label)")
            #expect(s.error?.contains(bad.reason) == true, "\(bad.label): \(s.error ?? "no error")")
            let decision = try await client.decide(input: ["user": "bob"])
            #expect(decision.reasons == ["r1"] && decision.bundles["authz"] == "r1", "\(bad.label)")
        }
        try BundleTestKit.drop(try BundleTestKit.signed(BundleTestKit.files(revision: "r5")), name: "authz", into: d.drop)
        try await d.wait("r5") { try await Self.status(client).revision == "r5" }

        // rollback over the wire: back to r1, as a new activation.
        let back = try await client.send(["id": 1, "op": "rollback", "bundle": "authz", "revision": "r1"])
        #expect(back["status"]?.stringValue == "ok", "\(back.text)")
        #expect(try await client.decide(input: ["user": "bob"]).reasons == ["r1"])
        await client.close()
    }

    /// A datagram socket standing in for systemd's NOTIFY_SOCKET.
    final class NotifySink {
        let path: String
        let fd: Int32
        init(path: String) throws {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var addr = SocketProbe.address(path)
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, ok == 0 else { throw CocoaError(.fileWriteUnknown) }
            var tv = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        deinit { close(fd) }
        /// Messages received until `seconds` pass with `stop` not yet seen.
        func collect(until stop: (String) -> Bool, seconds: Double) -> [String] {
            var out: [String] = []
            let deadline = Date().addingTimeInterval(seconds)
            var buf = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline {
                let n = recv(fd, &buf, buf.count, 0)
                if n > 0 {
                    let m = String(decoding: buf[0..<n], as: UTF8.self)
                    out.append(m)
                    if stop(m) { break }
                }
            }
            return out
        }
    }

    @Test(.enabled(if: binaryExists, "needs swift build"))
    func swapsAreBracketedByReloadingAndReadyNotifications() async throws {
        let d = try Daemon()
        let sink = try NotifySink(path: d.dir + "/notify.sock")
        try d.start(environment: ["NOTIFY_SOCKET": sink.path])
        defer { d.stop() }
        let startup = sink.collect(until: { $0.contains("READY=1") }, seconds: 10)
        #expect(startup.contains { $0.contains("READY=1") }, "\(startup)")
        try BundleTestKit.drop(try BundleTestKit.signed(BundleTestKit.files(revision: "n1")), name: "authz", into: d.drop)
        let swap = sink.collect(until: { $0.contains("READY=1") && $0.contains("authz@n1") }, seconds: 10)
        let reloading = swap.firstIndex { $0.contains("RELOADING=1") }
        let ready = swap.lastIndex { $0.contains("READY=1") && $0.contains("STATUS=") && $0.contains("authz@n1") }
        #expect(reloading != nil && ready != nil && reloading! < ready!, "\(swap)")
    }

    @Test(.enabled(if: binaryExists, "needs swift build"))
    func sighupRescansADirectoryBundleFilledInPlace() async throws {
        let d = try Daemon()
        try d.start()
        defer { d.stop() }
        let client = PolicyClient(socketPath: d.socket)
        // Written in place (no rename): the watcher does not see it; SIGHUP rescans.
        let files = BundleTestKit.files(revision: "dir1")
        let sig = try BundleBuilder.signaturesFile(for: files, signing: .init(
            algorithm: .es256, key: BundleTestKit.privatePEM, keyID: "k1", claims: try CanonicalJSON.parse(Array(#"{"scope":"prod"}"#.utf8))))
        let root = d.drop + "/authz"
        for f in files + [BundleFile(name: ".signatures.json", bytes: sig)] {
            let path = root + "/" + f.name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(f.bytes).write(to: URL(fileURLWithPath: path))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.status(client).revision == nil)
        kill(d.process.processIdentifier, SIGHUP)
        try await d.wait("dir1 after SIGHUP") { try await Self.status(client).revision == "dir1" }
        #expect(try await client.decide(input: ["user": "bob"]).reasons == ["dir1"])
        await client.close()
    }

    @Test(.enabled(if: binaryExists, "needs swift build"))
    func swapsEvery50msUnderPipelinedLoadFromEightClients() async throws {
        let d = try Daemon()
        try BundleTestKit.drop(try BundleTestKit.signed(BundleTestKit.files(revision: "r000")), name: "authz", into: d.drop)
        try d.start()
        defer { d.stop() }
        let probe = PolicyClient(socketPath: d.socket)
        try await d.wait("r000") { try await Self.status(probe).revision == "r000" }
        await probe.close()

        // Pre-build the drops so the swapper only renames files.
        let swaps = 60
        var drops: [[UInt8]] = []
        for k in 1...swaps { drops.append(try BundleTestKit.signed(BundleTestKit.files(revision: String(format: "r%03d", k)))) }

        struct Batch: Sendable { var sentNs: Int64; var receivedNs: Int64; var revisions: [String] }
        let dropDir = d.drop
        let socket = d.socket
        let swapper = Task {
            for bytes in drops {
                try BundleTestKit.drop(bytes, name: "authz", into: dropDir)
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let results = try await withThrowingTaskGroup(of: (Int, [Batch], Int).self) { group in
            for c in 0..<8 {
                group.addTask {
                    let client = PolicyClient(socketPath: socket, timeout: .seconds(10))
                    var batches: [Batch] = []
                    var failures = 0
                    let end = Date().addingTimeInterval(Double(swaps) * 0.05 + 0.5)
                    while Date() < end {
                        let sent = EvalContext.wallClockNs()
                        let decisions = try await client.decideBatch(Array(repeating: ["user": "bob"], count: 25))
                        let received = EvalContext.wallClockNs()
                        var revs: [String] = []
                        for dec in decisions {
                            // The policy's own answer and the revision reported must come from one snapshot.
                            let rev = dec.bundles["authz"] ?? "?"
                            if dec.errorCode != nil || dec.verdict != .deny || dec.reasons != [rev] { failures += 1 }
                            revs.append(rev)
                        }
                        batches.append(Batch(sentNs: sent, receivedNs: received, revisions: revs))
                    }
                    await client.close()
                    return (c, batches, failures)
                }
            }
            var all: [(Int, [Batch], Int)] = []
            for try await r in group { all.append(r) }
            return all
        }
        try await swapper.value

        // Activation times (taken after each swap) from the daemon's history.
        let history = BundleHistory(stateDirectory: d.state, keep: 1000).entries("authz")
        let order = history.map(\.revision)
        let swappedAt = Dictionary(history.map { ($0.revision, $0.activatedAtNs) }, uniquingKeysWith: { a, _ in a })
        var requests = 0
        for (client, batches, failures) in results {
            #expect(failures == 0, "client \(client): \(failures) failed requests")
            var last = ""
            for b in batches {
                requests += b.revisions.count
                for rev in b.revisions {
                    // Revisions only move forward on a connection (r000 < r001 < …).
                    #expect(rev >= last, "client \(client): \(rev) after \(last)")
                    last = rev
                    guard let i = order.firstIndex(of: rev) else {
                        Issue.record("client \(client): revision \(rev) was never activated")
                        continue
                    }
                    // Still active when the request was sent: its successor swapped in later.
                    if i + 1 < order.count, let next = swappedAt[order[i + 1]] {
                        #expect(next >= b.sentNs, "client \(client): \(rev) served after \(order[i + 1]) replaced it")
                    }
                }
            }
        }
        #expect(requests > 1000)
        #expect(order.count >= 10, "only \(order.count) activations for \(swaps) drops")
        #expect(order.last == String(format: "r%03d", swaps))
        print("swap test: \(requests) requests from 8 clients, \(order.count) activations of \(swaps + 1) drops, 0 failures expected")
    }
}
