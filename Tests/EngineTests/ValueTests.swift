import Testing
@testable import Engine

@Suite struct ValueTests {
    @Test func jsonRoundTripSortsKeysAndKeepsBigIntegers() throws {
        let v = try JSONReader.parse(#"{"b": [1, 2.5, "x"], "a": null, "c": 123456789012345678901234567890}"#)
        #expect(JSONWriter.string(v) == #"{"a":null,"b":[1,2.5,"x"],"c":123456789012345678901234567890}"#)
    }

    @Test func numbersCompareByValue() {
        #expect(Value.int(1) == Value.double(1.0))
        #expect(Set([Value.int(1), Value.double(1.0)]).count == 1)
        #expect(Value.compare(.int(2), .double(2.5)) < 0)
    }

    @Test func stringsCompareByBytesNotCanonicalEquivalence() {
        let precomposed = Value.string("\u{e9}")
        let decomposed = Value.string("e\u{301}")
        #expect(precomposed != decomposed)
        #expect(Set([precomposed, decomposed]).count == 2)
    }

    @Test func crossTypeOrderIsOPAs() {
        let ordered: [Value] = [.null, false, true, 1, "a", [1], ["k": 1], .set(SetValue([1]))]
        #expect(ordered.shuffled().sorted() == ordered)
    }

    @Test func rejectsMalformedJSONWithPosition() {
        #expect(throws: JSONParseError.self) { try JSONReader.parse(#"{"a": [1, 2}"#) }
        #expect(throws: JSONParseError.self) { try JSONReader.parse(bytes: [0x22, 0xff, 0x22]) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONReader.parse(deep) }
    }

    @Test func largeObjectLookupUsesIndex() throws {
        var b = ObjectBuilder()
        for i in 0..<1000 { b[.string("k\(i)")] = .int(i) }
        let o = b.build()
        #expect(o["k999"] == .int(999))
        #expect(o["nope"] == nil)
    }

    @Test func floatFormatting() {
        #expect(Number.float(0.5).description == "0.5")
        #expect(Number(3.0).description == "3")
        #expect(Number.float(1e-7).description == "1e-07")
    }
}
