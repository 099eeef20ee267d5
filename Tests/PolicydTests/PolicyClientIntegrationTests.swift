import Foundation
import NIOCore
import Testing
import Wire

/// The Swift client against the real daemon binary (bound to a path, no systemd).
@Suite(.serialized) struct PolicyClientIntegrationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/policyd").path
    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    final class RunningDaemon {
        let process = Process()
        let socket: String
        init(dir: URL) throws {
            socket = dir.appendingPathComponent("d.sock").path
            let cfg = dir.appendingPathComponent("c.yaml")
            try """
                bundles:
                  dir: \(PolicyClientIntegrationTests.root.appendingPathComponent("config/bundles").path)
                  allow_unsigned: true
                state_dir: \(dir.path)/state
                log:
                  target: stderr
                  level: warning
                """.write(to: cfg, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: PolicyClientIntegrationTests.binary)
            process.arguments = ["serve", "--config", cfg.path, "--socket", socket]
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            while !SocketProbe.accepts(socket) {
                guard Date() < deadline, process.isRunning else { throw CocoaError(.fileNoSuchFile) }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func tempDir() throws -> URL {
        let d = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("pdc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test(.enabled(if: binaryExists, "needs swift build")) func decideHealthAndPipelinedBatch() async throws {
        let dir = try tempDir()
        let daemon = try RunningDaemon(dir: dir)
        defer { daemon.stop() }
        let client = PolicyClient(socketPath: daemon.socket)
        let d = try await client.decide(input: ["tool": "fs.read"])
        #expect(d.path == "behavry/authz")
        #expect(d.decisionID.count == 26)  // time-ordered ULID (DecisionID)
        #expect(d.errorCode == nil)  // the example bundle compiles: a real decision, not a fail-closed deny
        let h = try await client.health()
        #expect(h["status"]?.stringValue == "ok")

        let requests = (0..<2000).map { Request.decide(id: .int($0), input: ["n": .int($0)]) }
        let responses = try await client.batch(requests)
        #expect(responses.map { $0["id"]?.intValue } == (0..<2000).map { $0 })
        let decisions = try await client.decideBatch(Array(repeating: ["tool": "fs.read"], count: 100))
        #expect(decisions.count == 100)

        do {
            _ = try await client.reload()
        } catch let PolicyClientError.server(code, _) {
            Issue.record("root may reload, got \(code)")
        }
        await client.close()
    }

    @Test(.enabled(if: binaryExists, "needs swift build")) func reconnectsAfterDaemonRestart() async throws {
        let dir = try tempDir()
        var daemon = try RunningDaemon(dir: dir)
        let client = PolicyClient(socketPath: daemon.socket, timeout: .seconds(5))
        _ = try await client.health()
        daemon.stop()
        try await Task.sleep(for: .milliseconds(200))
        await #expect(throws: PolicyClientError.self) { _ = try await client.health() }
        daemon = try RunningDaemon(dir: dir)
        defer { daemon.stop() }
        _ = try await client.health()
        await client.close()
    }

    @Test func timesOutOnASilentServer() async throws {
        let dir = try tempDir()
        let path = dir.appendingPathComponent("silent.sock").path
        let fd = try SocketProbe.listen(path)  // accepts (backlog) but never answers
        defer { close(fd) }
        let client = PolicyClient(socketPath: path, timeout: .milliseconds(300))
        let start = Date()
        await #expect(throws: PolicyClientError.timeout) { _ = try await client.health() }
        #expect(Date().timeIntervalSince(start) < 3)
        await client.close()
    }

    @Test func connectFailureIsTyped() async throws {
        let client = PolicyClient(socketPath: "/nonexistent/policyd.sock", timeout: .milliseconds(300))
        do {
            _ = try await client.health()
            Issue.record("expected connectFailed")
        } catch let e as PolicyClientError {
            guard case .connectFailed = e else { Issue.record("got \(e)"); return }
        }
    }
}

enum SocketProbe {
    static func address(_ path: String) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        return addr
    }

    static func accepts(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(1), 0)
        defer { close(fd) }
        var addr = address(path)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }

    static func listen(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(1), 0)
        var addr = address(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, Glibc.listen(fd, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return fd
    }
}
