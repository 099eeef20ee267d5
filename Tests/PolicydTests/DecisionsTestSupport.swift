import Engine
import Foundation
import Logging
import Synchronization

@testable import policyd

/// A fresh temporary directory, removed when the value is released.
final class DecisionsTempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "policyd-decisions-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// A swift-log handler that keeps every entry, for asserting journal output.
final class DecisionsCapturedLogs: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }
    let entries = Mutex<[Entry]>([])
    var all: [Entry] { entries.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(sink: self) }
    }

    /// `logger` at level info (the journal's decision entries are info).
    var infoLogger: Logger {
        var l = logger
        l.logLevel = .info
        return l
    }

    struct Handler: LogHandler {
        let sink: DecisionsCapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let e = Entry(level: event.level, message: event.message.description, metadata: event.metadata ?? [:])
            sink.entries.withLock { $0.append(e) }
        }
    }
}

/// A policy that answers from Swift closures per entrypoint path: lets the test runner and
/// replay be tested without depending on the Rego engine's progress.
struct TablePolicy: PolicyEvaluating {
    let answers: [String: @Sendable (Value?) -> Value?]
    func evaluate(path: [String], input: Value?, context: EvalContext, limits: EvalLimits) throws(EngineError)
        -> Value?
    {
        guard let f = answers[path.joined(separator: "/")] else { return nil }
        return f(input)
    }
}

func sampleRecord(_ id: String, decision: String = "allow", input: Value? = nil) -> DecisionRecord {
    DecisionRecord(
        decisionID: id, timestampNs: 1_795_000_000_123_456_789, path: "behavry/authz", decision: decision,
        reasons: decision == "allow" ? [] : ["because"], rules: ["data.behavry.authz.\(decision)"],
        input: input ?? ["agent": ["role": "developer"], "action": "read"],
        result: ["allow": .bool(decision == "allow")],
        bundles: [(name: "behavry", revision: "r1")], peer: .init(pid: 42, uid: 1000, gid: 1000),
        evalNs: 2_500, handlerNs: 7_900)
}
