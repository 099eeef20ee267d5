import Testing
@testable import Wire

@Suite struct JSONTests {
    @Test func roundTrips() throws {
        let text = #"{"id":1,"op":"decide","input":{"a":[true,false,null,1.5,"x\ny\u0001"],"b":{}}}"#
        let v = try JSON.parse(text)
        #expect(v["op"]?.stringValue == "decide")
        #expect(v["input"]?["a"]?.arrayValue?.count == 5)
        #expect(try JSON.parse(v.text) == v)
        #expect(v.text == text)
    }

    @Test func decodesEscapesAndSurrogates() throws {
        #expect(try JSON.parse(#""\u00e9\ud83d\ude00\/""#) == .string("é😀/"))
    }

    @Test func rejectsBadInput() {
        #expect(throws: JSONError.self) { try JSON.parse("{") }
        #expect(throws: JSONError.self) { try JSON.parse("[1,]") }
        #expect(throws: JSONError.self) { try JSON.parse("1 2") }
        #expect(throws: JSONError.self) { try JSON.parse([0x22, 0xff, 0x22]) }
        #expect(throws: JSONError.self) { try JSON.parse(String(repeating: "[", count: 100_000)) }
    }

    @Test func decisionView() throws {
        let r = try JSON.parse(#"{"id":1,"decision":"deny","reasons":["a","b"],"decision_id":"x","bundles":{"e":"1"},"path":"p","eval_ns":5,"rules":["p.deny"],"error":"no_policy"}"#)
        let d = try #require(Decision(r))
        #expect(d.verdict == .deny)
        #expect(d.reasons == ["a", "b"])
        #expect(d.bundles == ["e": "1"])
        #expect(d.errorCode == "no_policy")
        #expect(Decision(try JSON.parse(#"{"decision":"maybe"}"#)) == nil)
    }
}
