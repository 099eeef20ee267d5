import Engine
import Logging
import NIOCore
import Testing
import Wire
@testable import policyd

/// Decisions parse only the input their policy can observe when no sink reads the parsed
/// input; the answers and the rejection of bad JSON are those of a full parse.
@Suite struct ResponderInputProjectionTests {
    /// Records the events it is given; reads the parsed input only when `usesInput`.
    final class Sink: DecisionSink, @unchecked Sendable {
        let usesInput: Bool
        var events: [DecisionEvent] = []
        init(usesInput: Bool) { self.usesInput = usesInput }
        func record(_ event: DecisionEvent) { events.append(event) }
        var usesInputValue: Bool { usesInput }
    }

    static let rego = """
        package t
        decision := "allow" if input.tool.name == "read"
        decision := "deny" if input.tool.name != "read"
        other := "allow" if input.x == 1
        other := "deny" if input.x != 1
        echo := input
        """

    func responder(_ sink: Sink) throws -> Responder {
        let store = PolicyStore()
        let policy = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.rego)])
        store.activate(policy: policy, bundles: ["t": BundleInfo(name: "t", revision: "1", activatedAtNs: 0)], results: [])
        var c = Configuration()
        c.defaultPath = ["t", "decision"]
        return Responder(store: store, config: c, sink: sink, logger: Logger(label: "test"))
    }

    func ask(_ r: Responder, _ text: String) throws -> JSON {
        var t = text
        let bytes = t.withUTF8 { r.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: false) }
        return try JSON.parse(bytes)
    }

    @Test func projectedAndFullDecisionsAgree() throws {
        let projected = Sink(usesInput: false), full = Sink(usesInput: true)
        let rp = try responder(projected), rf = try responder(full)
        let requests = [
            #"{"id":1,"input":{"tool":{"name":"read","args":{"x":[1,2,{"y":"\u00e9"}]}},"agent":{"id":"a"}}}"#,
            #"{"id":2,"input":{"tool":{"name":"write"},"tool":{"name":"read"},"big":"\ud83d\ude00"}}"#,
            #"{"id":3,"op":"decide","input":{"tool":"flat","other":null}}"#,
            #"{"id":4,"input":{"t\u006fol":{"name":"write"}}}"#,
            #"{"id":5,"input":[1,2,3]}"#,
            #"{"id":6,"input":{"tool":{"name":"read"},"bad":"\x"}}"#,
            #"{"id":7,"input":{"tool":{"name":"read"},"bad":[1,}}"#,
            #"{"id":8,"input":{"tool":{"name":"read"},"bad":01}}"#,
        ]
        for text in requests {
            let a = try ask(rp, text), b = try ask(rf, text)
            #expect(a["decision"] == b["decision"], "\(text)")
            #expect(a["reasons"] == b["reasons"], "\(text)")
            #expect(a["error"] == b["error"], "\(text)")
        }
        #expect(try ask(rp, requests[0])["decision"] == "allow")
        #expect(try ask(rp, requests[3])["decision"] == "deny")
        #expect(try ask(rp, requests[5])["error"]?["code"] == "bad_json")
        // Sinks that read the input get it whole; the others get none rather than a part.
        #expect(full.events.first?.input?["agent"] == ["id": "a"])
        #expect(projected.events.allSatisfy { $0.input == nil })
    }

    /// The input is parsed in the envelope pass for the entrypoint named before it; fields after
    /// it that name another entrypoint, or another op, get it parsed again for what they need.
    @Test func entrypointOrOpAfterTheInput() throws {
        for usesInput in [false, true] {
            let r = try responder(Sink(usesInput: usesInput))
            let input = #"{"tool":{"name":"write"},"x":1}"#
            for _ in 0..<2 {  // the second time the path comes from the connection's route cache
                #expect(try ask(r, #"{"input":"# + input + #"}"#)["decision"] == "deny")
                #expect(try ask(r, #"{"input":"# + input + #","path":"t/other"}"#)["decision"] == "allow")
                #expect(try ask(r, #"{"path":"t/other","input":"# + input + #"}"#)["decision"] == "allow")
                #expect(try ask(r, #"{"op":"decide","path":"t/other","input":"# + input + #","path":"t/decision"}"#)["decision"] == "deny")
                #expect(try ask(r, #"{"input":"# + input + #","op":"eval","path":"t/echo"}"#)["result"] == ["tool": ["name": "write"], "x": 1])
            }
        }
    }

    /// One connection keeps its route cache across requests: decisions on a connection that
    /// alternates entrypoints, and inputs sent before and after the path, all match.
    @Test func alternatingEntrypointsOnOneConnection() throws {
        let r = try responder(Sink(usesInput: false))
        var state = ConnectionState()
        var out = ByteBufferAllocator().buffer(capacity: 1024)
        let frames = [
            #"{"id":1,"path":"t/other","input":{"x":1,"tool":{"name":"write"}}}"#,
            #"{"id":2,"path":"t/decision","input":{"x":1,"tool":{"name":"write"}}}"#,
            #"{"id":3,"path":"t/other","input":{"x":2,"tool":{"name":"read"}}}"#,
            #"{"id":4,"input":{"x":1,"tool":{"name":"read"}},"path":"t/other"}"#,
            #"{"id":5,"input":{"x":2,"tool":{"name":"read"}}}"#,
        ]
        for f in frames {
            var t = f
            t.withUTF8 { r.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: false, into: &out, state: &state) }
        }
        var verdicts: [String] = []
        while out.readableBytes > 0 {
            let n = Int(out.readInteger(as: UInt32.self)!)
            let body = out.readBytes(length: n)!
            verdicts.append(try JSON.parse(body)["decision"]?.stringValue ?? "?")
        }
        #expect(verdicts == ["allow", "deny", "deny", "allow", "allow"])
    }
}
