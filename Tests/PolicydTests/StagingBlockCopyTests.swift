import Testing

@testable import policyd

/// `StagingBlock.append` copies with non-temporal stores (an aligned middle, ordinary head and
/// tail): every length around the 16- and 64-byte steps, at every destination and source
/// misalignment, must give exactly the bytes `memcpy` gives, and touch nothing around them.
@Suite struct StagingBlockCopyTests {
    @Test func copiesEveryLengthAtEveryAlignmentExactly() {
        let source = (0..<400).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let block = StagingBlock()
        let lengths = Array(0...140) + [255, 256, 257, 333]
        var failures: [String] = []
        for start in 0..<17 {
            for offset in 0..<3 {
                for n in lengths where offset + n <= source.count {
                    block.reset(start: start, room: 512)
                    let base = block.buffer!.assumingMemoryBound(to: UInt8.self)
                    base.update(repeating: 0xEE, count: start + 600)
                    source.withUnsafeBytes { s in block.append(UnsafeRawBufferPointer(rebasing: s[offset..<(offset + n)])) }
                    let copied = UnsafeBufferPointer(start: base + start, count: n)
                    let exact = block.count == n && copied.elementsEqual(source[offset..<(offset + n)])
                    let untouched = UnsafeBufferPointer(start: base, count: start).allSatisfy { $0 == 0xEE }
                        && UnsafeBufferPointer(start: base + start + n, count: 600 - n).allSatisfy { $0 == 0xEE }
                    if !exact || !untouched { failures.append("start \(start) offset \(offset) n \(n)") }
                }
            }
        }
        #expect(failures == [])
    }

    /// Successive appends land one after another (the lines of several connections).
    @Test func appendsFollowEachOther() {
        let block = StagingBlock()
        block.reset(start: 5, room: 4096)
        var expected: [UInt8] = []
        for k in 1...40 {
            let line = Array(repeating: UInt8(ascii: "a") + UInt8(k % 26), count: k * 7) + [UInt8(ascii: "\n")]
            line.withUnsafeBytes { block.append($0) }
            expected += line
        }
        #expect(Array(block.lines) == expected)
    }
}
