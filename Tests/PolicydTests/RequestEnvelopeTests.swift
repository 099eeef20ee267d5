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

    @Test func fastParserMatchesWholeFrameParser() {
        var cache = RouteCache()
        for text in Self.frames {
            var t = text
            t.withUTF8 { u in
                let body = UnsafeRawBufferPointer(u)
                let reference = outcome { try responder.parse(body) }
                // Twice: the second time the path comes from the route cache.
                #expect(outcome(body) { try responder.parse(body, routes: &cache) } == reference, "\(text)")
                #expect(outcome(body) { try responder.parse(body, routes: &cache) } == reference, "\(text)")
            }
        }
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
