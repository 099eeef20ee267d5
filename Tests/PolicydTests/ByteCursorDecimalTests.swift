import Testing
@testable import policyd

/// `ByteCursor.appendDecimal` (two digits per step) must write what `String(_:)` writes.
@Suite struct ByteCursorDecimalTests {
    func decimal(_ v: Int64) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBytes { raw in
            var w = ByteCursor(raw)
            w.append(UInt8(ascii: "<"))
            w.appendDecimal(v)
            w.append(UInt8(ascii: ">"))
            return w.count
        }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }

    @Test func matchesStringForBoundaries() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1009, 4100, 65536, 123_456_789,
                               1_000_000_000_000, .max, .min, .max - 1, .min + 1]
        var p: Int64 = 1
        for _ in 0..<18 { p *= 10; values += [p - 1, p, p + 1] }
        for v in values + values.map({ $0 == .min ? .max : -$0 }) {
            #expect(decimal(v) == "<\(v)>")
        }
    }

    @Test func matchesStringForPseudoRandomValues() {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let v = Int64(bitPattern: x) >> Int64(x % 63)
            #expect(decimal(v) == "<\(v)>")
        }
    }
}
