#if canImport(Glibc)
import Glibc
#endif

/// A growable byte buffer written through a raw pointer: a connection's decision-log lines.
/// `DecisionLine` reserves a line's upper bound once and writes it with a `ByteCursor`, where
/// `[UInt8].append` checked capacity and uniqueness per piece (~25 pieces a line). At the end
/// of a read batch `DecisionLogWriter.record(lines:)` copies the lines into the file's staging
/// block (`StagingBlock`) and the buffer is emptied, kept by its connection (and its cache).
///
/// A class: the connection's batch and its test helpers share it by reference.
final class LineBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<UInt8>?
    private(set) var count = 0
    private(set) var capacity = 0
    /// Decisions whose lines are in the buffer.
    var lines = 0

    init() {}

    deinit { free(base) }

    /// Room for `n` more bytes; returns where they go (commit them with `commit`).
    @inline(__always)
    func reserve(_ n: Int) -> UnsafeMutableRawBufferPointer {
        if count + n > capacity { grow(count + n) }
        return UnsafeMutableRawBufferPointer(start: base! + count, count: n)
    }

    @inline(__always)
    func commit(_ n: Int) { count += n }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    var isEmpty: Bool { count == 0 }

    /// Empties the buffer; frees storage grown past `keep` bytes (one huge input).
    func reset(keep: Int) {
        count = 0
        lines = 0
        if capacity > keep {
            free(base)
            base = nil
            capacity = 0
        }
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let to = reserve(bytes.count)
        to.copyMemory(from: bytes)
        commit(bytes.count)
    }

    private func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2, 16 << 10)
        guard let p = realloc(base, newCapacity) else {
            fatalError("decision log: out of memory for a \(newCapacity)-byte line buffer")
        }
        base = p.assumingMemoryBound(to: UInt8.self)
        capacity = newCapacity
    }
}
