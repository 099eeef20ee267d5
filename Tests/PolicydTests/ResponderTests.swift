import Engine
import Logging
import Testing
import Wire
@testable import policyd

@Suite struct ResponderTests {
    let store = PolicyStore()
    var responder: Responder {
        var c = Configuration()
        c.entrypoints = [.init(path: ["agentcy"], defaultDecision: .allow, kinds: ["connector_call"])]
        return Responder(store: store, config: c, logger: Logger(label: "test"))
    }

    func ask(_ text: String, admin: Bool = false) throws -> JSON {
        var t = text
        let bytes = t.withUTF8 { responder.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: admin) }
        return try JSON.parse(bytes)
    }

    @Test func noPolicyFailsClosed() throws {
        let r = try ask(#"{"id":"a1","input":{"tool":"x"}}"#)
        #expect(r["id"] == "a1")
        #expect(r["decision"] == "deny")
        #expect(r["error"] == "no_policy")
        #expect(r["path"] == "behavry/authz")
        #expect(r["reasons"]?.arrayValue?.first?.stringValue?.hasPrefix("no policy loaded") == true)
        #expect(r["decision_id"]?.stringValue?.count == 26)  // ULID-shaped
    }

    @Test func kindSelectsTheEntrypoint() throws {
        #expect(try ask(#"{"kind":"connector_call","input":{}}"#)["path"] == "agentcy")
        #expect(try ask(#"{"kind":"other","input":{}}"#)["path"] == "behavry/authz")
        #expect(try ask(#"{"path":"data.a.b","input":{}}"#)["path"] == "a/b")
    }

    @Test func protocolErrors() throws {
        #expect(try ask("{nope")["error"]?["code"] == "bad_json")
        #expect(try ask("[1]")["error"]?["code"] == "bad_request")
        #expect(try ask(#"{"id":[1],"op":"decide"}"#)["error"]?["code"] == "bad_request")
        let u = try ask(#"{"id":7,"op":"dance"}"#)
        #expect(u["error"]?["code"] == "unknown_op")
        #expect(u["id"] == 7)
        #expect(try ask(#"{"op":"reload"}"#)["error"]?["code"] == "forbidden")
        #expect(try ask(String(repeating: "[", count: 100_000))["error"]?["code"] == "bad_json")
    }

    @Test func healthAndStatus() throws {
        #expect(try ask(#"{"op":"health"}"#)["status"] == "no_policy")
        let s = try ask(#"{"id":1,"op":"status"}"#)
        #expect(s["counters"]?["requests"] != nil)
        #expect(s["uptime_s"] != nil)
    }

    @Test func decisionIDsAreUnique() throws {
        let a = try ask(#"{"input":{}}"#)["decision_id"]
        let b = try ask(#"{"input":{}}"#)["decision_id"]
        #expect(a != b)
    }
}
