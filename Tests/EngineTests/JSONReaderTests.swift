import Testing
@testable import Engine

/// The JSON reader's storage behaviour: exact-size containers, key order and duplicates on
/// every path (in order, small unsorted, large unsorted), interning in large documents, and
/// the number-spelling report the bundle digests rely on.
@Suite struct JSONReaderTests {
    @Test func valueStaysSmall() {
        // Every array/object element is a Value: an inline BigInt would make it 40 bytes.
        #expect(MemoryLayout<Value>.stride <= 24)
        #expect(MemoryLayout<Number>.size <= 9)
    }

    /// A value inside a larger buffer (a request envelope): parsed as its bytes alone would be,
    /// ending at its own last byte; `compact` reports whitespace between its tokens.
    @Test func embeddedValueEndsAtItsOwnLastByte() throws {
        let cases: [(String, String, Bool)] = [
            (#"{"a":[1,{"b":"x"}],"c":2}"#, #","d":3}"#, true),
            (#"{"a": [1, 2]}"#, "}", false),
            ("-12.5e3", ",\"k\":1}", true),
            ("true", "}", true),
            (#""s\"t""#, ",", true),
        ]
        for (value, after, compact) in cases {
            let text = #"{"input":"# + value + after
            var t = text
            let r = try t.withUTF8 { try JSONReader.parseEmbedded(UnsafeRawBufferPointer($0), at: 9, shape: nil) }
            #expect(r.value == (try JSONReader.parse(value)), "\(value)")
            #expect(r.end == 9 + value.utf8.count, "\(value)")
            #expect(r.compact == compact, "\(value)")
        }
        // A number ends where it cannot continue: `01` reads as 0 ending before the `1` (which
        // the envelope around it then rejects, as the whole-frame parser does).
        var leadingZero = #"{"input":01}"#
        let z = try leadingZero.withUTF8 { try JSONReader.parseEmbedded(UnsafeRawBufferPointer($0), at: 9, shape: nil) }
        #expect(z.value == 0 && z.end == 10)
        for bad in [#"{"a":1"#, #"{"a":tru}"#, "[1,]", "-"] {
            var t = #"{"input":"# + bad
            #expect(throws: JSONParseError.self) {
                try t.withUTF8 { try JSONReader.parseEmbedded(UnsafeRawBufferPointer($0), at: 9, shape: nil) }
            }
        }
    }

    @Test func arraysHaveNoGrowthSlack() throws {
        let v = try JSONReader.parse("[" + (0..<9).map(String.init).joined(separator: ",") + "]")
        let a = try #require(v.arrayValue)
        #expect(a == (0..<9).map { Value.int($0) })
        // Growing by appends would leave capacity 16; the reader allocates what it needs
        // (malloc may round up a little).
        #expect(a.capacity < 12)
        let o = try #require(try JSONReader.parse(#"{"a":1,"b":2,"c":3,"d":4,"e":5}"#).objectValue)
        #expect(o.keys.capacity < 8)
        #expect(o.values.capacity < 8)
    }

    @Test func unsortedAndDuplicateKeysKeepTheLast() throws {
        let small = try JSONReader.parse(#"{"op":1,"id":2,"input":{"z":1,"a":2},"op":3,"path":4}"#)
        #expect(JSONWriter.string(small) == #"{"id":2,"input":{"a":2,"z":1},"op":3,"path":4}"#)
        // More than 16 pairs takes the index-sort path.
        var members = (0..<40).reversed().map { "\"k\(String($0 + 100))\":\($0)" }
        members.append(#""k105":"last""#)
        members.insert(#""k120":"first""#, at: 0)
        let big = try #require(try JSONReader.parse("{" + members.joined(separator: ",") + "}").objectValue)
        #expect(big.count == 40)
        #expect(big.keys == big.keys.sorted())
        #expect(big["k105"] == "last")
        #expect(big["k120"] == .int(20))
        #expect(big["k139"] == .int(39))
    }

    /// Strings are scanned 8 bytes at a time: a quote, escape, control character or non-ASCII
    /// byte at any offset of a word must still be seen.
    @Test func specialBytesAtEveryOffset() throws {
        let specials: [(json: String, decoded: String?)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u00e9"#, "é"), ("é", "é"), ("😀", "😀"),
            ("\u{7F}", "\u{7F}"), ("~", "~"), ("\u{1F}", nil), ("\u{0}", nil),
        ]
        for k in 0..<20 {
            for (json, decoded) in specials {
                let prefix = String(repeating: "a", count: k), suffix = String(repeating: "b", count: 19 - k)
                let text = #"{"k":""# + prefix + json + suffix + #"","z":1}"#
                if let decoded {
                    let v = try JSONReader.parse(text)
                    #expect(v["k"] == .string(prefix + decoded + suffix), "\(text)")
                    #expect(v["z"] == 1)
                    let skipped = try text.utf8CString.withUnsafeBytes { b in
                        try JSONReader.parse(UnsafeRawBufferPointer(rebasing: b.dropLast()), shape: InputShape.keeping([["z"]]))
                    }
                    #expect(skipped == ["z": 1], "\(text)")
                } else {
                    #expect(throws: JSONParseError.self, "\(text)") { try JSONReader.parse(text) }
                    // The skipping scanner stops at the same byte with the same message.
                    func error(_ shape: InputShape?) -> String {
                        text.utf8CString.withUnsafeBytes { b in
                            do {
                                _ = try JSONReader.parse(UnsafeRawBufferPointer(rebasing: b.dropLast()), shape: shape)
                                return "parsed"
                            } catch { return "\(error)" }
                        }
                    }
                    #expect(error(InputShape.keeping([["z"]])) == error(nil), "\(text)")
                    #expect(error(nil).hasSuffix("at offset \(6 + k)"), "\(text)")
                }
            }
        }
    }

    /// A small document starts on a scratch stack on the call stack; one holding more open
    /// values than it has moves them to the heap mid-parse, on every entry point, and an error
    /// after that move releases both (no leak, no double free).
    @Test func smallDocumentsOutgrowingTheScratchStack() throws {
        let n = JSONReader.smallStack * 3
        let items = (0..<n).map { "[\($0),{\"k\($0)\":\"v\"}]" }
        let text = "{\"a\":[" + items.joined(separator: ",") + "],\"z\":1}"
        #expect(text.utf8.count < JSONReader.internThreshold)
        let v = try JSONReader.parse(text)
        guard case .object(let o) = v, case .array(let a)? = o["a"] else { Issue.record("not an object"); return }
        #expect(a.count == n)
        #expect(a[n - 1] == (try JSONReader.parse("[\(n - 1),{\"k\(n - 1)\":\"v\"}]")))
        var t = "{\"input\":" + text + "}"
        let e = try t.withUTF8 { try JSONReader.parseEmbedded(UnsafeRawBufferPointer($0), at: 9, shape: nil) }
        #expect(e.value == v)
        let bad = "{\"a\":[" + items.joined(separator: ",") + ",]}"
        #expect(throws: JSONParseError.self) { try JSONReader.parse(bad) }
    }

    @Test func errorsInsideContainersDoNotLeakOrCrash() {
        for text in [#"{"a":[1,2,{"b":"c"}"#, #"[1,[2,[3,"x"]],"#, #"{"z":1,"a":[1,2],"#, #"[{"a":1},{"b":"\u12"}]"#] {
            #expect(throws: JSONParseError.self) { try JSONReader.parse(text) }
        }
    }

    @Test func largeDocumentsShareRepeatedStringsAndKeys() throws {
        // Above the interning threshold: same value as parsed piecewise, long strings and key
        // lists shared between the repeated records.
        var parts: [String] = []
        var size = 0
        var i = 0
        while size < JSONReader.internThreshold + 1000 {
            let rec = #"{"owner":"user\#(i % 7)@example.com","tools":["search.internal_docs","mcp__github__admin__set_perms"],"é":"x\#(i)"}"#
            parts.append(rec)
            size += rec.utf8.count + 1
            i += 1
        }
        let doc = try JSONReader.parse("[" + parts.joined(separator: ",") + "]")
        let items = try #require(doc.arrayValue)
        #expect(items.count == parts.count)
        for (n, text) in parts.enumerated().prefix(50) { #expect(items[n] == (try JSONReader.parse(text))) }
        let first = try #require(items[0].objectValue), eighth = try #require(items[7].objectValue)
        #expect(first.keys.withUnsafeBufferPointer { $0.baseAddress } == eighth.keys.withUnsafeBufferPointer { $0.baseAddress })
        guard case .string(let a)? = first["owner"], case .string(let b)? = eighth["owner"] else {
            Issue.record("owner missing")
            return
        }
        #expect(a == b)
        var x = a, y = b
        #expect(x.withUTF8 { $0.baseAddress } == y.withUTF8 { $0.baseAddress })
    }

    @Test func reportsNumberSpelling() throws {
        func report(_ text: String) throws -> Bool {
            var t = text
            return try t.withUTF8 { try JSONReader.parseReportingNumberSpelling(UnsafeRawBufferPointer($0)).numbersAsPrinted }
        }
        for asPrinted in ["[1,-2,0,0.5,-3.25,123456789012345678901234567890,1e-07,1e+21]", #"{"a":"1.0"}"#] {
            #expect(try report(asPrinted), "\(asPrinted)")
        }
        for respelled in ["1.0", "1e2", "-0", "0.10", "1E+2", "[1,2,3.50]", "1e400", "1e-7"] {
            #expect(try !report(respelled), "\(respelled)")
        }
    }

    @Test func stringsValidateUTF8WithoutEscapes() throws {
        #expect(try JSONReader.parse("\"h\u{e9}llo \u{1F600}\"") == .string("h\u{e9}llo \u{1F600}"))
        for bad: [UInt8] in [[0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONReader.parse(bytes: bad) }
        }
    }
}
