import Testing
@testable import Engine

/// The hash index of large objects and sets finds exactly what a linear search finds: string
/// keys by bytes (equal strings from other storage, NFC ≠ NFD, empty, long, non-ASCII), numbers
/// across representations (1 == 1.0), every other type, and absent keys.
@Suite struct ValueIndexTests {
    static let keys: [Value] = {
        var ks: [Value] = (0..<3000).map { .string("agent-\(String($0 + 10000).dropFirst())") }
        ks += ["", "\u{e9}", "a much longer key that spans several eight-byte words ✓", .null, true, false]
        ks += [.int(7), .double(2.5), try! JSONReader.parse("123456789012345678901234567890"), [1, "a"], ["k": 1], .set(SetValue([1]))]
        return ks
    }()

    @Test func objectLookupsMatchLinearSearch() throws {
        var b = ObjectBuilder()
        for (i, k) in Self.keys.enumerated() { b[k] = .int(i) }
        let o = b.build()
        #expect(o.storage.index != nil)
        for (i, k) in Self.keys.enumerated() { #expect(o[k] == .int(i), "\(k)") }
        // Equal keys built from other storage and other number spellings.
        #expect(o[.string(String(decoding: Array("agent-0042".utf8), as: UTF8.self))] == .int(42))
        #expect(o[.double(7.0)] == .int(Self.keys.firstIndex(of: .int(7))!))
        #expect(o["agent-0042"] == .int(42))
        for absent: Value in ["e\u{301}", "agent-3000", "agent-004", "agent-00420", .int(8), .double(2.25), [1], ["k": 2], .set(SetValue([2]))] {
            #expect(o[absent] == nil, "\(absent)")
        }
    }

    @Test func setMembershipMatchesLinearSearch() {
        let s = SetValue(Self.keys)
        #expect(s.storage.index != nil)
        for k in Self.keys { #expect(s.contains(k), "\(k)") }
        #expect(s.contains(.double(7.0)))
        for absent: Value in ["e\u{301}", "agent-3000", .int(8), [1, "b"]] { #expect(!s.contains(absent), "\(absent)") }
    }

    /// Strings that differ in any byte, or only in length, hash apart (no accidental equality).
    @Test func stringHashesSeeEveryByte() {
        var seen = Set<UInt64>()
        let base = Array("0123456789abcdefXYZ".utf8)
        for n in 0...base.count {
            seen.insert(ValueIndex.hash(.string(String(decoding: base[0..<n], as: UTF8.self))))
            for i in 0..<n {
                var b = Array(base[0..<n])
                b[i] ^= 1
                seen.insert(ValueIndex.hash(.string(String(decoding: b, as: UTF8.self))))
            }
        }
        #expect(seen.count == (0...base.count).reduce(0) { $0 + 1 + $1 })
    }
}
