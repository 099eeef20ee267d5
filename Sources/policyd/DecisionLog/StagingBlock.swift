import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// A block of the decision log's staging that event loops copy their connections' lines into
/// (`DecisionLogWriter.record(lines:)`, under the writer's lock), and that the writer then
/// takes whole as the live file's staging buffer (`StagedAppend.adopt`): the lines are written
/// from where the loop put them, with no copy on the writer thread.
///
/// Direct writes need every byte at a memory offset equal to its file offset modulo
/// `StagedAppend.alignment`. Lines reach the file in the order they were copied in, so a block
/// started when the next line's file offset is `F` places its lines from `start = F % alignment`
/// on; the `start` bytes in front are the file's partial last block, which the writer copies
/// in (less than one alignment block) when it takes the block. When the writer finds its
/// staging elsewhere (a rotation in between, direct writes refused), it copies the lines
/// instead (`RotatingLogFile.append(block:)`), as it did every line before.
///
/// Not thread-safe: filled under the writer's lock, then owned by the writer thread.
final class StagingBlock {
    /// Aligned buffer from `StagedAppend.allocate` (nil: not allocated yet, or handed away).
    var buffer: UnsafeMutableRawPointer?
    var capacity = 0
    /// Where this block's lines begin (the file offset of its first line, modulo the alignment).
    var start = 0
    /// End of the lines copied in.
    var fill = 0

    init() {}

    deinit { free(buffer) }

    /// Bytes of lines in the block.
    var count: Int { fill - start }
    var isEmpty: Bool { fill == start }
    var lines: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer.map { $0 + start }, count: fill - start) }

    /// Empties the block to take lines from `start` on, with room for at least `room` bytes.
    func reset(start: Int, room: Int) {
        self.start = start
        fill = start
        guard capacity < start + room || buffer == nil else { return }
        free(buffer)
        capacity = StagedAppend.roundedCapacity(start + room)
        buffer = StagedAppend.allocate(capacity)
    }

    /// An empty block whose buffer (`StagedAppend.keptCapacity`) is already paged in, so the
    /// event loop that fills it takes no page faults (made off the writer's lock).
    static func prefaulted() -> StagingBlock {
        let b = StagingBlock()
        b.capacity = StagedAppend.roundedCapacity(0)
        b.buffer = StagedAppend.allocate(b.capacity, prefault: true)
        return b
    }

    /// Copies `bytes` after the lines already in the block (room was checked by the caller),
    /// with non-temporal stores: nothing on this side reads the block again, only the disk
    /// (`policyd_copy_nontemporal`: about half the time of `memcpy` into a block not in cache).
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let from = bytes.baseAddress, bytes.count > 0 else { return }
        policyd_copy_nontemporal(buffer! + fill, from, bytes.count)
        fill += bytes.count
    }

    /// Whether `n` more bytes fit.
    func fits(_ n: Int) -> Bool { buffer != nil && fill + n <= capacity }
}
