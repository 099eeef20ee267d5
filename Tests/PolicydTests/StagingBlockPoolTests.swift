import Foundation
import Testing

@testable import policyd

/// The decision log's pool of emptied staging blocks: what a writer stall needed stays ready
/// for the next one, what no stall used for an interval is freed, and the lines written
/// through pooled blocks reach the file once each, whole and in order.
@Suite struct StagingBlockPoolTests {
    @Test func keepsReturnedBlocksUpToItsLimitAndHandsOutTheLatestFirst() {
        var pool = StagingBlockPool(keep: 2, limit: 3)
        let blocks = (0..<4).map { _ in StagingBlock() }
        #expect(pool.shortfall == 2)
        let kept = blocks.map { pool.put($0) }
        #expect(kept == [true, true, true, false])
        #expect(pool.count == 3 && pool.shortfall == 0)
        let first = pool.take(), second = pool.take()
        #expect(first === blocks[2] && second === blocks[1])
    }

    /// A trim frees only the blocks beyond `keep` that stayed in the pool for the whole
    /// interval since the previous trim (the oldest), so a pool a recurring stall drains
    /// keeps what that stall needs.
    @Test func trimFreesOnlyBlocksUnusedForAWholeInterval() {
        var pool = StagingBlockPool(keep: 2, limit: 10)
        let blocks = (0..<6).map { _ in StagingBlock() }
        for b in blocks { pool.put(b) }
        _ = pool.trim()  // starts an interval with 6 in the pool
        // A stall takes four and gives them back.
        let taken = (0..<4).compactMap { _ in pool.take() }
        for b in taken.reversed() { pool.put(b) }
        let afterStall = pool.trim()
        #expect(afterStall.isEmpty && pool.count == 6)  // 2 stayed unused: those are the two kept
        // An interval with no stall: all but two go, the oldest first.
        let freed = pool.trim()
        #expect(freed.count == 4 && pool.count == 2)
        #expect(freed.allSatisfy { f in blocks.prefix(4).contains { $0 === f } })
        let again = pool.trim()
        #expect(again.isEmpty && pool.count == 2)
    }

    @Test func prefaultedBlockHasRoomForABlockOfLines() {
        let b = StagingBlock.prefaulted()
        #expect(b.buffer != nil && b.capacity == StagedAppend.keptCapacity)
        b.reset(start: 100, room: 4096)
        #expect(b.fits(StagedAppend.keptCapacity - 100) && !b.fits(StagedAppend.keptCapacity - 99))
        #expect(b.isEmpty)
    }

    /// Chunks handed over faster than the writer takes them fill several blocks per batch: the
    /// file gets every line once, in order, and the pooled blocks go back to two once the
    /// writer has been idle for a trim interval.
    @Test(arguments: [true, false]) func burstFillsPooledBlocksAndIdleTrimsThem(direct: Bool) async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 30, maxFiles: 2, directIO: direct),
                                       capacity: 1 << 22, maxQueuedBytes: 1 << 30, poolTrimInterval: 2)
        // ~1 MB chunks of numbered lines of varying length, made first so that they are
        // handed over back to back (40 MB: ten blocks, more than the writer's first batch waits for).
        var chunks: [(bytes: [UInt8], lines: Int)] = []
        var n = 0
        let pad = String(repeating: "q", count: 900)
        for _ in 0..<40 {
            var lines = 0
            var bytes: [UInt8] = []
            while bytes.count < 1 << 20 {
                bytes += Array("{\"n\":\(n),\"pad\":\"\(pad.prefix((n * 37) % 900))\"}\n".utf8)
                n += 1
                lines += 1
            }
            chunks.append((bytes, lines))
        }
        let chunk = LineBuffer()
        for c in chunks {
            c.bytes.withUnsafeBytes { chunk.append($0) }
            #expect(writer.record(lines: chunk, count: c.lines, journal: []))
        }
        let all = chunks.flatMap(\.bytes)
        await writer.flush()
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == all)
        #expect(writer.stats.dropped == 0 && writer.stats.written == UInt64(n))
        // The blocks of the burst came back (more than two when the writer took several per
        // batch, which depends on the machine's timing: not asserted).
        #expect(writer.pooledBlocks >= 2)
        var trimmed = false
        for _ in 0..<150 where !trimmed {  // two intervals: the first may have seen the burst
            try await Task.sleep(for: .milliseconds(50))
            trimmed = writer.pooledBlocks == 2
        }
        #expect(trimmed)
        await writer.close()
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == all)
    }
}
