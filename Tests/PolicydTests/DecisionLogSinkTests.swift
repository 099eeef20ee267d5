import Engine
import Foundation
import Logging
import NIOCore
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
        // One connection: its decision ids are strictly increasing.
        var ids: [String] = []
        var state = ConnectionState()
        for i in 0..<3 {
            var text = #"{"id":\#(i),"input":{"tool":"fs.write","args":{"path":"/tmp/x","token":"s3cr3t"}}}"#
            var out = ByteBufferAllocator().buffer(capacity: 512)
            text.withUTF8 {
                responder.respond(to: UnsafeRawBufferPointer($0), peer: PeerCredentials(pid: 77, uid: 1000, gid: 100),
                                  isAdmin: false, into: &out, state: &state)
            }
            responder.flushDecisions(&state)
            out.moveReaderIndex(forwardBy: Frame.headerBytes)
            let bytes = out.readBytes(length: out.readableBytes) ?? []
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

extension DecisionLogSinkTests {
    /// Without masks the log takes the request's own input bytes (whitespace removed): the
    /// entry reads back as the same input value, on one line.
    @Test func unmaskedInputIsCopiedCompactFromTheRequest() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("decisions.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 20, maxFiles: 2))
        let responder = Responder(store: PolicyStore(), config: Configuration(),
                                  sink: DecisionLogSink(writer: writer), logger: Logger(label: "test"))
        let inputs = [#"{"tool":"fs.write","args":{"path":"/tmp/x","n":[1,2.5,-3e2]},"s":"a \"b\"\n"}"#,
                      "{ \"b\" :\n [ true , null ] ,\t\"a\" : \"x y\" }"]
        var responses: [JSON] = []
        for (i, input) in inputs.enumerated() {
            var text = #"{"id":\#(i),"input":"# + input + "}"
            let bytes = text.withUTF8 { responder.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: false) }
            responses.append(try JSON.parse(bytes))
        }
        await writer.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        for (line, (input, response)) in zip(lines, zip(inputs, responses)) {
            let r = try DecisionRecord(json: String(line))
            #expect(r.input == (try JSONReader.parse(input)))
            // The id, reasons and rules the line copied from the response.
            #expect(r.decisionID == response["decision_id"]?.stringValue)
            #expect(r.reasons == response["reasons"]?.arrayValue?.compactMap(\.stringValue))
            #expect(r.rules == response["rules"]?.arrayValue?.compactMap(\.stringValue))
            #expect(!r.reasons.isEmpty)
        }
        #expect(lines[1].contains(#""input":{"b":[true,null],"a":"x y"}"#))
    }
}

@Suite struct DecisionsTestOpTests {
    func ask(_ responder: Responder, _ text: String, admin: Bool) throws -> JSON {
        var t = text
        let bytes = t.withUTF8 { responder.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: admin) }
        return try JSON.parse(bytes)
    }

    @Test func testOpIsAdminOnlyAndAnswersPassedAndResults() throws {
        var c = Configuration()
        c.bundles.dir = examplesDir
        c.bundles.allowUnsigned = true   // as the development config: unsigned directory drops
        let responder = Responder(store: PolicyStore(), config: c, logger: Logger(label: "test"))
        let refused = try ask(responder, #"{"id":1,"op":"test"}"#, admin: false)
        #expect(refused["error"]?["code"] == "forbidden")
        let r = try ask(responder, #"{"id":2,"op":"test","bundle":"behavry"}"#, admin: true)
        #expect(r["id"] == 2)
        #expect(r["errors"] == [])
        #expect(r["passed"] == true)
        #expect(r["results"]?.arrayValue?.count == 14)   // 8 tests and 6 cases
        #expect(r["bundles"]?["behavry"]?["revision"] == "behavry-2026.11.1")
        #expect(r["bundles"]?["behavry"]?["signed_by"] == .null)
        // The older spelling `path` still names the bundle.
        #expect(try ask(responder, #"{"id":3,"op":"test","path":"behavry"}"#, admin: true)["passed"] == true)
        // A candidate outside the drop directory, by absolute path.
        let cand = try ask(responder, #"{"id":4,"op":"test","candidate":"\#(examplesDir)/agentcy"}"#, admin: true)
        #expect(cand["passed"] == true && cand["results"]?.arrayValue?.count == 22)
    }

    /// Drops are verified like drops: without allow_unsigned an unsigned directory is refused,
    /// reported per bundle (drop directory) or as `bundle_rejected` (candidate).
    @Test func testOpVerifiesLikeADrop() throws {
        var c = Configuration()
        c.bundles.dir = examplesDir
        c.bundles.allowUnsigned = false
        let responder = Responder(store: PolicyStore(), config: c, logger: Logger(label: "test"))
        let r = try ask(responder, #"{"id":1,"op":"test","bundle":"behavry"}"#, admin: true)
        #expect(r["passed"] == false)
        #expect(r["errors"]?.arrayValue?.first?.stringValue?.contains("unsigned_not_allowed") == true)
        let cand = try ask(responder, #"{"id":2,"op":"test","candidate":"\#(examplesDir)/behavry"}"#, admin: true)
        #expect(cand["error"]?["code"] == "bundle_rejected")
        #expect(cand["error"]?["reason"] == "unsigned_not_allowed")
        let explicit = try ask(responder, #"{"id":3,"op":"test","candidate":"\#(examplesDir)/behavry","unsigned":true}"#, admin: true)
        #expect(explicit["passed"] == true)
        #expect(try ask(responder, #"{"op":"test","unsigned":"yes"}"#, admin: true)["error"]?["code"] == "bad_request")
    }
}
