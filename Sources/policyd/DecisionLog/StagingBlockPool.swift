/// Emptied staging blocks kept for the event loops to fill next (`DecisionLogWriter`).
///
/// Why a pool that keeps what a stall needed: a fresh 4 MiB block costs its first writer
/// ~1 ms of page faults (the kernel zeroing two huge pages), and the first writer was the event
/// loop copying lines into it, under the writer's lock. When the writer thread falls behind (on
/// a busy machine it waits for a CPU: it runs `SCHED_BATCH`), the loops fill several blocks
/// before it takes them; keeping only two spares freed the rest after each stall, so every
/// stall faulted new ones in again. Session 12's profile of 8 x 8 load with the log on: 6.7 %
/// of the event loops' samples were `clear_page_erms` under `stageLocked`, more than the
/// formatting of the lines. Blocks that come back stay (up to `limit`), and the ones no stall
/// used for a whole trim interval are let go (`trim`), so an idle log shrinks back to `keep`.
///
/// Not thread-safe: guarded by the writer's lock. Blocks leave the pool through `trim` as an
/// array for the caller to drop after unlocking (freeing a block unmaps memory).
struct StagingBlockPool {
    /// Blocks always kept ready (pre-faulted by the writer thread, off the lock).
    let keep: Int
    /// Blocks kept at most.
    let limit: Int
    private var blocks: [StagingBlock] = []
    /// Fewest blocks held since the last `trim`: that many went unused for the whole interval.
    private var lowWater = 0

    init(keep: Int, limit: Int) {
        self.keep = keep
        self.limit = max(keep, limit)
    }

    var count: Int { blocks.count }
    /// Blocks to add so that `keep` are ready.
    var shortfall: Int { max(0, keep - blocks.count) }

    /// The most recently returned block (its memory the likeliest in cache), if any.
    mutating func take() -> StagingBlock? {
        guard let b = blocks.popLast() else { return nil }
        lowWater = min(lowWater, blocks.count)
        return b
    }

    /// Keeps `block` for reuse unless the pool is full; returns whether it was kept.
    @discardableResult
    mutating func put(_ block: StagingBlock) -> Bool {
        guard blocks.count < limit else { return false }
        blocks.append(block)
        return true
    }

    /// Removes the blocks beyond `keep` that stayed unused since the last trim (the oldest
    /// first) and starts a new interval. The caller drops them outside the lock.
    mutating func trim() -> [StagingBlock] {
        let excess = min(lowWater, blocks.count) - keep
        var removed: [StagingBlock] = []
        if excess > 0 {
            removed = Array(blocks.prefix(excess))
            blocks.removeFirst(excess)
        }
        lowWater = blocks.count
        return removed
    }
}
