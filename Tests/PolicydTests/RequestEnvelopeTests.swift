import Engine
import Logging
import NIOCore
import Testing
import Wire
@testable import policyd

/// The fast request parser (envelope scan + per-field parse + route cache) must read every
/// frame exactly as the whole-frame parser does: same fields, same errors.
@Suite struct RequestEnvelopeTests {
    let responder: Responder = {
        var c = Configuration()
        c.limits.maxJSONDepth = 8
        return Responder(store: PolicyStore(), config: c, logger: Logger(label: "test"))
    }()

    enum Outcome: Equatable {
        case request(id: Value?, op: String, path: [String]?, kind: String?, input: Value?, bundle: String?, revision: String?)
        case error(id: Value?, code: String, message: String)
    }

    func outcome(_ body: UnsafeRawBufferPointer? = nil, _ f: () throws -> Responder.Request) -> Outcome {
        outcome(responder, body, f)
    }

    func outcome(_ responder: Responder, _ body: UnsafeRawBufferPointer? = nil, _ f: () throws -> Responder.Request) -> Outcome {
        do {
            let r = try f()
            // A decision's input is parsed when its entrypoint is known: parse it whole here.
            let input = try body.map { try responder.input(of: r, body: $0, for: nil) } ?? r.input
            return .request(id: r.id, op: r.op.rawValue, path: r.path, kind: r.kind, input: input, bundle: r.bundle,
                            revision: r.revision)
        } catch Responder.RequestError.bad(let id, let code, let message) {
            return .error(id: id, code: code.rawValue, message: message)
        } catch {
            return .error(id: nil, code: "other", message: "\(error)")
        }
    }

    static let frames: [String] = [
        #"{"id":1,"op":"decide","path":"a/b","input":{"x":[1,2,{"y":"z"}],"b":true}}"#,
        #" { "input" : { "a" : [ 1 , 2 ] } , "path" : "data.a.b" , "id" : "s" } "#,
        #"{"input":{"k":"v"}}"#,
        #"{}"#,
        #"{"op":"health","id":null}"#,
        #"{"op":"rollback","bundle":"b1","revision":"r2","id":3.5}"#,
        #"{"\u0069d":7,"\u0069nput":{"q":1}}"#,                 // escaped keys
        #"{"päth":"x","input":1}"#,                              // non-ASCII unknown key
        #"{"input":{"a":1},"input":{"b":2}}"#,                   // duplicate: last wins
        #"{"input":{"a":1},"input":{"b":2},"extra":[1,{"c":"}"}]}"#,
        #"{"path":"a.b","kind":"k","input":"with \"quotes\" and \\ and }]"}"#,
        #"{"op":"decide","op":"status"}"#,
        // Strings longer than 8 bytes with quotes/escapes at every offset (the scan skips string
        // content 8 bytes at a time).
        #"{"input":{"abcdefghijklmnop":"0123456\"789abcdef\\","k":["12345678\"","\\12345678"]},"id":"abcdefgh\""}"#,
        #"{"input":"abcdefg\\","path":"abcdefghijklmnopq/r"}"#,
        #"{"input":{"x":"abcdefghijklmno\u0022pq}]"},"kind":"abcdefghijkl"}"#,
        #"{"input":{"x":"abcdefghijklmnop"#,                     // unterminated long string
        #"{"input":{"x":"abcdefghijklmno\"#,                    // escape at the very end
        // Entrypoint before the input (projected in the scan), after it (parsed again), by kind,
        // and an op after the input that is no decision (parsed again, whole).
        #"{"id":12,"op":"decide","path":"a/c","input":{"x":1,"k":[2],"z":{"q":"\u0041"}}}"#,
        #"{"input":{"x":1,"k":[2],"z":3},"path":"a/c"}"#,
        #"{"kind":"k","input":{"x":1,"k":[2],"z":3}}"#,
        #"{"kind":"k\u0021","input":{"x":1,"k":[2]}}"#,
        #"{"input":{"x":1,"k":[2]},"op":"eval","path":"a"}"#,
        #"{"op":"eval","input":{"x":1,"k":[2]},"op":"decide"}"#,
        #"{"input":{"x":1},"path":"a/b","input":{"k":2,"x":[3]}}"#,
        #"{"input":{"x":1,"k":tru},"path":"a/c"}"#,
        #"{"input":{"x":1,"k":2} "id":3}"#,
        #"{"input":-0.5e1,"id":18446744073709551616}"#,
        #"{"input":12x}"#,
        #"{"input":01}"#,
        #"{"id":007,"input":{}}"#,
        #"{"id":123456789012345678,"input":{}}"#,
        #"{"id":[1],"op":"decide"}"#,                            // bad_request
        #"{"op":5}"#,
        #"{"op":"nope"}"#,
        #"{"path":""}"#,
        #"{"path":7}"#,
        #"{"kind":1}"#,
        #"{"op":"rollback","bundle":1}"#,
        #"{"id":[1],"input":{"a":tru}}"#,                        // bad JSON beats bad id
        #"{"input":{"a":1}"#,                                     // truncated
        #"{"input":{"a":1}}}"#,                                   // trailing data
        #"{"input" {"a":1}}"#,
        #"{"input":{"a":1},}"#,
        #"{"extra":[1,2,}"#,
        #"{"extra":"\ud800"}"#,
        #"[1]"#,
        #""decide""#,
        #"{nope"#,
        #"{"input":[[[[[[[1]]]]]]]}"#,                            // depth 8: accepted
        #"{"input":[[[[[[[[1]]]]]]]]}"#,                          // depth 9: refused
        "{\"input\":\n{\"a\":\t1}\r\n}",
        "{\"extra\":\"\u{1}\"}",                                  // raw control character
        "{\"k\u{1}\":1}",
    ]

    /// A responder serving a policy, so the one-pass parser projects inputs for the entrypoint
    /// named before them (default `a/b`, kind `k` → `a/c`).
    static func servingResponder() throws -> Responder {
        let store = PolicyStore()
        let rego = """
            package a
            b := input.x
            c := input.k
            """
        let policy = try CompiledPolicy.compile(modules: [RegoModule(name: "a.rego", source: rego)])
        store.activate(policy: policy, bundles: ["a": BundleInfo(name: "a", revision: "1", activatedAtNs: 0)], results: [])
        var c = Configuration()
        c.limits.maxJSONDepth = 8
        c.defaultPath = ["a", "b"]
        c.entrypoints = [Configuration.Entrypoint(path: ["a", "c"], kinds: ["k"])]
        return Responder(store: store, config: c, logger: Logger(label: "test"))
    }

    @Test(arguments: [false, true]) func fastParserMatchesWholeFrameParser(serving: Bool) throws {
        let responder = serving ? try Self.servingResponder() : responder
        var state = ConnectionState()
        let snap = responder.store.snapshot
        for text in Self.frames {
            var t = text
            t.withUTF8 { u in
                let body = UnsafeRawBufferPointer(u)
                let reference = outcome(responder) { try responder.parse(body) }
                // Twice: the second time the path comes from the route cache.
                #expect(outcome(responder, body) { try responder.parse(body, state: &state, snap: snap) } == reference, "\(text)")
                #expect(outcome(responder, body) { try responder.parse(body, state: &state, snap: snap) } == reference, "\(text)")
            }
        }
    }

    /// The input is parsed in the envelope pass, projected for the entrypoint named before it;
    /// a path new to the connection defers it to `decide` once, then it comes from the cache.
    @Test func inputParsedInTheEnvelopePass() throws {
        let r = try Self.servingResponder()
        var state = ConnectionState()
        let snap = r.store.snapshot
        func parse(_ text: String) throws -> Responder.Request {
            var t = text
            return try t.withUTF8 { try r.parse(UnsafeRawBufferPointer($0), state: &state, snap: snap) }
        }
        let byDefault = try parse(#"{"id":1,"input":{"x":1,"k":2}}"#)
        #expect(!byDefault.inputDeferred && byDefault.inputProjection != nil && byDefault.input == ["x": 1])
        #expect(byDefault.inputIsCompact)
        let first = try parse(#"{"path":"a/c","input":{"x":1, "k":2}}"#)
        #expect(first.inputDeferred && first.input == nil && !first.inputIsCompact)
        let second = try parse(#"{"path":"a/c","input":{"x":1, "k":2}}"#)
        #expect(!second.inputDeferred && second.input == ["k": 2] && !second.inputIsCompact)
        let eval = try parse(#"{"op":"eval","input":{"x":1,"k":2}}"#)
        #expect(eval.inputProjection == nil && eval.input == ["x": 1, "k": 2])
    }

    @Test func inputRangeAndCompactness() throws {
        var text = #"{"id":1,"input":{"a": [1, "x y"]},"path":"p"}"#
        try text.withUTF8 { u in
            let body = UnsafeRawBufferPointer(u)
            let env = try #require(RequestEnvelope.scan(body, maxDepth: 8))
            let r = try #require(env[.input])
            let slice = UnsafeRawBufferPointer(rebasing: body[r])
            #expect(String(decoding: slice, as: UTF8.self) == #"{"a": [1, "x y"]}"#)
            #expect(!env.inputIsCompact)
            #expect(CompactJSON.text(slice) == #"{"a":[1,"x y"]}"#)
        }
        var compact = #"{"input":{"a":[1,"x y"]}}"#
        compact.withUTF8 { u in
            #expect(RequestEnvelope.scan(UnsafeRawBufferPointer(u), maxDepth: 8)?.inputIsCompact == true)
        }
    }

    /// Long strings with quotes and escapes at every offset: the scan (8 bytes at a time inside
    /// strings) finds each value's exact end itself, without falling back to the full parser.
    @Test func scanFindsEndsOfLongEscapedStrings() throws {
        let input = #"{"abcdefghijklmnop":"0123456\"789abcdef\\","k":["12345678\"","\\12345678"]}"#
        for pad in 0..<9 {
            let id = "\"" + String(repeating: "i", count: pad) + "\\\"x\""
            var text = #"{"input":"# + input + #","id":"# + id + #","path":"abcdefghijklmnopq/r"}"#
            try text.withUTF8 { u in
                let body = UnsafeRawBufferPointer(u)
                let env = try #require(RequestEnvelope.scan(body, maxDepth: 8))
                let slice = { (r: Range<Int>) in String(decoding: UnsafeRawBufferPointer(rebasing: body[r]), as: UTF8.self) }
                #expect(slice(try #require(env[.input])) == input)
                #expect(slice(try #require(env[.id])) == id)
                #expect(slice(try #require(env[.path])) == #""abcdefghijklmnopq/r""#)
            }
        }
        var open = #"{"input":{"x":"abcdefghijklmno\"#
        open.withUTF8 { #expect(RequestEnvelope.scan(UnsafeRawBufferPointer($0), maxDepth: 8) == nil) }
    }

    /// Every kind of id is echoed as JSONWriter writes it, and the reasons, rules and error
    /// of a served decision as ResponseWriter's layout has them.
    @Test func responseEchoesEveryIdKind() throws {
        let ids = ["7", "-12", "0", "2.5", "1e400", "123456789012345678901234567890", "true", "null",
                   #""s\"q\u0001é""#, #""""#]
        let serving = try Self.servingResponder()
        for id in ids {
            let expected = String(decoding: JSONWriter.data(try JSONReader.parse(id)), as: UTF8.self)
            var t = #"{"id":"# + id + #","path":"a/b","input":{"x":"allow"}}"#
            let body = t.withUTF8 { responder.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: false) }
            let text = String(decoding: body, as: UTF8.self)
            #expect(text.hasPrefix(#"{"id":"# + expected + #","decision":"deny","reasons":["no policy loaded"#), "\(text)")
            #expect(text.hasSuffix(#","rules":[],"error":"no_policy"}"#), "\(text)")
            let served = t.withUTF8 { serving.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: false) }
            let stext = String(decoding: served, as: UTF8.self)
            #expect(stext.hasPrefix(#"{"id":"# + expected + #","decision":"allow","reasons":[],"decision_id":""#), "\(stext)")
            #expect(stext.hasSuffix(#","rules":["a.b"]}"#), "\(stext)")
            #expect(try JSON.parse(served)["decision_id"]?.stringValue?.utf8.count == 26)
        }
    }

    @Test func responseFrameMatchesResponseWriterLayout() throws {
        var t = #"{"id":"r1","path":"a/b","input":{}}"#
        let body = t.withUTF8 { responder.respond(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: false) }
        let r = try JSON.parse(body)
        #expect(r["id"] == "r1" && r["decision"] == "deny" && r["path"] == "a/b" && r["error"] == "no_policy")
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"id":"r1","decision":"deny","reasons":["no policy loaded"#))
        #expect(text.contains(#","bundles":{},"path":"a/b","eval_ns":0,"rules":[],"error":"no_policy"}"#))
    }
}
