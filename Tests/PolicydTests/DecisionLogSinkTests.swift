import Engine
import Foundation
import Logging
import Testing
import Wire

@testable import policyd

/// The daemon's request path feeding the audit log: Responder → DecisionLogSink → file.
@Suite struct DecisionLogSinkTests {
    @Test func everyDecisionReachesTheLogMaskedWithItsResponseID() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("decisions.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 20, maxFiles: 2),
                                       mask: [try MaskRule(pointer: "/input/args/token")])
        let responder = Responder(store: PolicyStore(), config: Configuration(),
                                  sink: DecisionLogSink(writer: writer, labels: [("version", "test")]),
                                  logger: Logger(label: "test"))
        var ids: [String] = []
        for i in 0..<3 {
            var text = #"{"id":\#(i),"input":{"tool":"fs.write","args":{"path":"/tmp/x","token":"s3cr3t"}}}"#
            let bytes = text.withUTF8 {
                responder.respond(to: UnsafeRawBufferPointer($0), peer: PeerCredentials(pid: 77, uid: 1000, gid: 100),
                                  isAdmin: false)
            }
            ids.append(try #require(try JSON.parse(bytes)["decision_id"]?.stringValue))
        }
        await writer.close()   // as on SIGTERM
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("s3cr3t"))
        let records = try text.split(separator: "\n").map { try DecisionRecord(json: String($0)) }
        #expect(records.map(\.decisionID) == ids)
        #expect(ids == ids.sorted())
        let r = records[0]
        #expect(r.decision == "deny")   // no policy loaded: fail closed, and the log says why
        #expect(r.error?.code == "no_policy")
        #expect(r.path == "behavry/authz")
        #expect(r.input == ["tool": "fs.write", "args": ["path": "/tmp/x"]])
        #expect(r.erased == ["/input/args/token"])
        #expect(r.peer == .init(pid: 77, uid: 1000, gid: 100))
        #expect(r.handlerNs != nil)
        #expect(r.labels.first?.1 == "test")
        // `policyd log show` finds it.
        #expect(try DecisionLogReader(path: path).line(for: ids[1])?.contains(#""decision_id":"\#(ids[1])""#) == true)
    }
}
