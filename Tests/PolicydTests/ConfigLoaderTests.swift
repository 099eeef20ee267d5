import Foundation
import Testing
@testable import policyd

@Suite struct ConfigLoaderTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func documentedConfigFilesAreValid() throws {
        let c = try ConfigLoader.load(file: "\(Self.repoRoot)/config/policyd.yaml")
        #expect(c.socket.path == "/run/policyd/policyd.sock")
        #expect(c.socket.mode == 0o660)
        #expect(c.maxFrameBytes == 1 << 20)
        #expect(c.entrypoint(["agentcy"]).defaultDecision == .allow)
        #expect(c.path(forKind: "tool_call") == ["behavry", "authz"])
        #expect(c == Configuration.withDocumentedEntrypoints)
        let dev = try ConfigLoader.load(file: "\(Self.repoRoot)/config/policyd.dev.yaml")
        #expect(dev.socket.path == "run/policyd.sock")
        #expect(dev.log.target == .stderr)
    }

    @Test func unknownKeysAreErrorsWithLine() {
        let yaml = "socket:\n  path: /x\n  colour: blue\nbogus: 1\n"
        do {
            _ = try ConfigLoader.parse(yaml)
            Issue.record("expected an error")
        } catch {
            #expect(error.problems.contains("socket.colour (line 3): unknown key"))
            #expect(error.problems.contains("bogus (line 4): unknown key"))
        }
    }

    @Test func wrongTypesAreErrorsWithLine() {
        do {
            _ = try ConfigLoader.parse("max_frame_bytes: lots\nadmin_uids: [0, x]\nlog:\n  decisions: maybe\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.problems.contains("max_frame_bytes (line 1): expected an integer"))
            #expect(error.problems.contains("admin_uids[1] (line 2): expected an integer"))
            #expect(error.problems.contains("log.decisions (line 4): expected a boolean"))
        }
    }

    @Test func badValuesAreErrors() throws {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("entrypoints:\n  a/b:\n    default: maybe\n") }
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("log:\n  target: syslog\n") }
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("keys:\n  k:\n    algorithm: ES256\n") }
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("bundles:\n  reload_priority: low\n") }
        #expect(try ConfigLoader.parse("bundles:\n  reload_priority: idle\n").bundles.reloadPriority == .idle)
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("loop_nice: -21\n") }
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("loop_nice: fast\n") }
        #expect(try ConfigLoader.parse("loop_nice: -5\n").loopNice == -5)
        #expect(try ConfigLoader.parse("").loopNice == nil)
    }

    @Test func emptyFileMeansDefaults() throws {
        #expect(try ConfigLoader.parse("") == Configuration())
    }
}

extension Configuration {
    /// The defaults plus the entrypoints config/policyd.yaml documents.
    static var withDocumentedEntrypoints: Configuration {
        var c = Configuration()
        c.entrypoints = [
            Entrypoint(path: ["behavry", "authz"], defaultDecision: .deny, kinds: ["tool_call"]),
            Entrypoint(path: ["agentcy"], defaultDecision: .allow, kinds: ["connector_call"]),
        ]
        c.decisionLog.path = "decisions.jsonl"
        return c
    }
}
