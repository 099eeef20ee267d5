import Foundation
import Testing
@testable import Engine

/// How numbers keep the text they were written as, against OPA: every case of
/// Fixtures/spelling-cases.txt was evaluated by the real OPA as `r := json.marshal(EXPR)`
/// (`scripts/arithmetic-cases.py --set spelling` → Fixtures/spelling-opa.json), so the expected
/// strings carry OPA's exact number text (`5.0`, `1e2`, object key `"1.0"`, sign_req errors).
@Suite struct NumberSpellingOracleTests {
    static let cases = OPAMarshalFixture.load("spelling-opa.json")

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count >= 50)
    }

    @Test func matchesOPA() {
        #expect(OPAMarshalFixture.mismatches(Self.cases) == 0)
    }

    @Test func jsonNumbersRoundTripAsWritten() throws {
        // Input and data documents: OPA echoes every number as written.
        let text = #"[5.0,1e2,-0,1.50,1E400,0.00001,3,2.5e-3,0.5,1e+21,-0.0,12345678901234567890,0.1234567890123456789]"#
        let v = try JSONReader.parse(text)
        #expect(JSONWriter.string(v) == text)
        let keys = try JSONReader.parse(#"{"a":{"b":[1.0,1e1]}}"#)
        #expect(JSONWriter.string(keys) == #"{"a":{"b":[1.0,1e1]}}"#)
    }

    @Test func onlyNonCanonicalTextIsBoxed() throws {
        // The common spellings stay unboxed (no allocation, integer fast paths).
        for text in ["0", "-7", "12", "0.5", "-3.25", "0.0001", "1e-05", "1e+21", "123456789012345678901234"] {
            let n = try #require(Number.parse(text))
            if case .spelled = n { Issue.record("\(text) boxed") }
            #expect(n.description == text)
        }
        for text in ["5.0", "1e2", "-0", "1.50", "1E+21", "0.00001", "1e400", "-0.0", "100e-2"] {
            let n = try #require(Number.parse(text))
            guard case .spelled(let s) = n else { Issue.record("\(text) not kept"); continue }
            #expect(s.text == text)
            if case .spelled = s.value { Issue.record("\(text) nested") }
        }
    }

    @Test func spellingsCompareAndHashByValue() throws {
        let pairs: [(String, String)] = [("5.0", "5"), ("1e2", "100"), ("-0", "0"), ("1.50", "1.5"),
                                         ("1E+21", "1e+21"), ("0.00001", "1e-05"), ("1e400", "1" + String(repeating: "0", count: 400))]
        for (a, b) in pairs {
            let x = try #require(Number.parse(a)), y = try #require(Number.parse(b))
            #expect(x == y, "\(a) == \(b)")
            #expect(x.hashValue == y.hashValue, "hash \(a) \(b)")
            #expect(Number.compare(x, y) == 0)
            // A set keeps the member inserted first (OPA: `{1.0, 1}` is [1.0]).
            var set = SetBuilder()
            set.insert(.number(x))
            set.insert(.number(y))
            let members = set.build().elements
            #expect(members.count == 1)
            #expect(members.first.map { JSONWriter.string($0) } == a)
        }
        #expect(try #require(Number.parse("1.5e0")) > .int(1))
    }

    @Test func textReadingsFollowOPA() throws {
        // Integer operands and array indices: an exponent is not an integer; a zero fraction is.
        #expect(Number.parse("5.0")?.writtenInt == 5)
        #expect(Number.parse("-0.0")?.writtenInt == 0)
        #expect(Number.parse("1e0")?.writtenInt == nil)
        #expect(Number.parse("1e0")?.exactInt == 1)
        #expect(Number.parse("1.5")?.writtenInt == nil)
        let arr: Value = [10, 20]
        #expect(arr[.number(Number.parse("1.0")!)] == 20)
        #expect(arr[.number(Number.parse("1e0")!)] == nil)
    }
}
