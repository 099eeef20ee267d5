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
        for start in 0..<17 {
            for offset in 0..<3 {
                for n in lengths where offset + n <= source.count {
                    block.reset(start: start, room: 512)
                    let base = block.buffer!.assumingMemoryBound(to: UInt8.self)
                    for i in 0..<(start + 600) { base[i] = 0xEE }
                    source.withUnsafeBytes { s in block.append(UnsafeRawBufferPointer(rebasing: s[offset..<(offset + n)])) }
                    #expect(block.count == n)
                    let copied = Array(UnsafeBufferPointer(start: base + start, count: n))
                    #expect(copied == Array(source[offset..<(offset + n)]), "start \(start) offset \(offset) n \(n)")
                    #expect((0..<start).allSatisfy { base[$0] == 0xEE })
                    #expect((start + n..<start + 600).allSatisfy { base[$0] == 0xEE })
                }
            }
        }
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
