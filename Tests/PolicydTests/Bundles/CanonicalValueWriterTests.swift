import Engine
import Foundation
import Testing
@testable import policyd

/// The fast digest path (engine JSON reader + canonical writer over the value) must give the
/// same bytes and the same data value as the Go-compatible `CanonicalJSON` path, or decline.
@Suite struct CanonicalValueWriterTests {
    static let documents: [String] = [
        #"{"b":1,"a":[true,false,null],"c":{"z":"\u00e9\/\"\\","y":"\n\r\t\b\f\u0001\u001f"}}"#,
        "{\"line\":\"a\u{2028}b\u{2029}c\",\"html\":\"<&>\",\"del\":\"\u{7f}\",\"emoji\":\"\u{1F600}\"}",
        #"{"dup":1,"dup":2,"k":{"x":1,"x":{"y":[1,2]}}}"#,
        #"[1,-2,0.5,123456789012345678901234567890,-3.25e-7,1.0,1e2,-0,0.10,1E+2]"#,
        #"{"\ud83d\ude00":"pair","lone":"\ud800x","low":"\udc00"}"#,
        "\u{FEFF}{\"bom\":true}",
        "  {\"spaced\" : [ 1 , 2 ] }  ",
        #""just a string""#, "42", "null", "[]", "{}",
        String(repeating: "[", count: 998) + "1" + String(repeating: "]", count: 998),
        String(repeating: "[", count: 999) + String(repeating: "]", count: 999),
    ]

    @Test func sameBytesAndValueAsCanonicalJSON() throws {
        for text in Self.documents {
            let bytes = Array(text.utf8)
            let raw = try CanonicalJSON.parse(bytes)
            let slow = CanonicalJSON.canonicalBytes(raw)
            if let (value, exact) = CanonicalValueWriter.parse(bytes) {
                #expect(value == CanonicalJSON.value(raw), "\(text.prefix(60))")
                if exact {
                    #expect(CanonicalValueWriter.canonicalBytes(value) == slow, "\(text.prefix(60))")
                }
            }
            // Whichever path it takes, the digest input is the slow path's.
            #expect(try FileDigest.digestInput(name: "data.json", bytes: bytes) == slow, "\(text.prefix(60))")
        }
    }

    @Test func declinesWhatOnlyGoAccepts() throws {
        // Invalid UTF-8 (Go replaces it with U+FFFD) and nesting at CanonicalJSON's limit.
        let invalid: [UInt8] = Array(#"{"a":""#.utf8) + [0xFF, 0xC3] + Array(#""}"#.utf8)
        #expect(CanonicalValueWriter.parse(invalid) == nil)
        #expect(String(decoding: try FileDigest.digestInput(name: "data.json", bytes: invalid), as: UTF8.self)
            == "{\"a\":\"\u{FFFD}\u{FFFD}\"}")
        let deep = Array((String(repeating: "[", count: 999) + "1" + String(repeating: "]", count: 999)).utf8)
        #expect(CanonicalValueWriter.parse(deep) == nil)
        #expect(try FileDigest.digestInput(name: "data.json", bytes: deep) == CanonicalJSON.canonicalBytes(try CanonicalJSON.parse(deep)))
    }

    @Test func numbersRespelledTakeTheSlowPath() throws {
        let bytes = Array(#"{"n":1.0}"#.utf8)
        let parsed = try #require(CanonicalValueWriter.parse(bytes))
        #expect(!parsed.numbersAsWritten)
        #expect(String(decoding: try FileDigest.digestInput(name: "data.json", bytes: bytes), as: UTF8.self) == #"{"n":1.0}"#)
    }

    @Test func signatureCheckHandsParsedDataToLoading() throws {
        var parsed = FileDigest.ParsedFiles()
        _ = try FileDigest.digestInput(name: "a/data.json", bytes: Array(#"{"x":[1,2]}"#.utf8), parsed: &parsed)
        _ = try FileDigest.digestInput(name: "a/policy.rego", bytes: Array("package a".utf8), parsed: &parsed)
        #expect(parsed.count == 1)
        #expect(parsed["a/data.json"] == ["x": [1, 2]])
    }
}
