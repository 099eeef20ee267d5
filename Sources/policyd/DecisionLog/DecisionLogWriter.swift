import Atomics
#if canImport(CNIOLinux)
import CNIOLinux  // pthread_setname_np
#endif
import Engine
import Foundation
import Logging

/// The decision log's writer: requests hand records to `record(_:)`, which only appends to a
/// bounded in-memory queue (never blocks on I/O; when the queue is full the record is dropped and
/// counted). Lines the request path serialised are copied, under the lock, straight into the
/// file's staging blocks (`record(lines:)`, `StagingBlock`), which the writer then writes from
/// without copying them again. One dedicated thread drains the queue in batches: masks each
/// record, writes the batch to the rotating JSON-lines file with one write (`O_DIRECT` by default), then
/// sends the batch's journal entries (with a `JournalSocket`: encoded datagrams, one
/// `sendmmsg` per batch, never blocking the file for long; else through the journal's
/// swift-log logger).
///
/// The request path wakes the writer only when it is idle (waiting with an empty queue) or the
/// queue reaches half its capacity; once awake, the writer lets records accumulate for
/// `batchDelay` before draining, so under load a wake-up (a futex syscall, and on a busy
/// machine a context switch) is paid per batch, not per decision.
///
/// `flush()` returns once everything recorded before the call is on disk; `close()` drains,
/// syncs and stops the thread. The daemon awaits `close()` on SIGTERM so a clean shutdown
/// loses nothing.
public final class DecisionLogWriter: @unchecked Sendable {
    // All mutable state below is guarded by `cond` (its lock).
    private let cond = NSCondition()
    private var queue: [DecisionRecord] = []
    /// Serialised lines (each ending in a newline) copied in by `record(lines:)`, in file
    /// order: the block being filled, and blocks filled before it (the writer takes them all
    /// per batch), and how many decisions their lines are.
    private var block: StagingBlock?
    private var fullBlocks: [StagingBlock] = []
    private var lineCount = 0
    /// The file offset (modulo `blockAlignment`) the next line copied in will have, as far as
    /// the writer can tell: a new block starts its lines there. Set by the writer when it takes
    /// a batch; a rotation makes it wrong until the next batch (those lines are copied then).
    private var nextOffset = 0
    private var blockAlignment = 1
    /// Bytes of the queued lines and journal datagrams (bounded by `maxQueuedBytes`).
    private var queuedBytes = 0
    /// Emptied blocks for `record(lines:)` to fill next: two kept ready (one being filled
    /// while the writer writes from another, and one spare), and as many more as the writer's
    /// recent stalls needed (`StagingBlockPool`).
    private var pool: StagingBlockPool
    /// When the writer next lets go of pooled blocks no stall used (writer thread only).
    private var nextTrim = Date()
    /// How long a pooled block beyond the two may stay unused before it is freed (5 s by
    /// default: longer than the gaps of bursty load, e.g. bench/compare's 1 s phases, after
    /// which the next burst would fault its blocks in again).
    let poolTrimInterval: Double
    /// Records that go to the journal only (their file line is in `lines`).
    private var journalOnly: [DecisionRecord] = []
    /// Journal entries encoded by the request path (`JournalNative` datagrams) and where each ends.
    private var datagrams: [UInt8] = []
    private var datagramEnds: [Int] = []
    private var enqueued: UInt64 = 0          // records accepted so far
    private var processed: UInt64 = 0         // records written (or failed) so far
    private var droppedCount: UInt64 = 0
    private var writeErrors: UInt64 = 0
    private var closing = false
    private var stopped = false
    /// The writer thread exists (started lazily, by the first record).
    private var started = false
    /// The writer waits with no deadline for the queue to become non-empty: `record` must wake it.
    private var writerIdle = false
    /// Direct writes hold back the file's last partial block (`RotatingLogFile.hasUnwritten`):
    /// flushes wait for it, and the writer settles it once no lines came for `settleDelay`.
    private var unsettled = false
    private var waiters: [(UInt64, CheckedContinuation<Void, Never>)] = []

    public let capacity: Int
    /// Bound on `queuedBytes`: past it, chunks are dropped and counted like a full queue.
    public let maxQueuedBytes: Int
    /// Queue length at which `record` wakes a batching writer early.
    private let highWater: Int
    /// How long the writer lets a batch fill once woken. 10 ms (session 11) cut the writer's
    /// own CPU a little further (fewer block requests and wake-ups) but the daemon's as a whole
    /// rose in 4 of 5 runs and the file dropped lines in two (docs/performance.md).
    public static let batchDelay: Double = 0.005
    /// How long the writer waits for more lines before it writes a held-back partial block
    /// through the page cache. Under load lines come sooner, so the file is written in whole
    /// direct blocks only (no small buffered write and later page write-back per batch).
    public static let settleDelay: Double = 0.01
    private let mask: [MaskRule]
    /// What the journal keeps (immutable copies; `journal` itself belongs to the writer thread).
    let writesFile: Bool
    /// A journal is configured (entries through the logger unless `encodesJournal`).
    let hasJournal: Bool
    /// Mask rules apply (records need their input as a value).
    var masks: Bool { !mask.isEmpty }
    /// What the journal keeps, by outcome: fixed at init (the writer's logger copy cannot
    /// change level), so the request path asks three booleans instead of the log handler.
    private let journalKeepsFailures: Bool
    private let journalKeepsAllows: Bool
    private let journalKeepsDenies: Bool
    /// Allows seen by the request path's journal sampling (`journalTakes`), across connections.
    private let allowsSeen = ManagedAtomic<UInt64>(0)
    /// The journal's rate limit (shared by the request path and the writer thread).
    private let journalRateLimit: JournalRateLimit?
    /// Journal entries go out as datagrams (the daemon logs to the journal): the request path
    /// encodes them (`DecisionJournalEntry`).
    public let encodesJournal: Bool
    // Owned by the writer thread.
    private let file: RotatingLogFile?
    private var journal: DecisionJournal?
    private let journalSender: DecisionJournalSender?
    private let errorLogger: Logger?
    private var reportedDrops: UInt64 = 0     // writer thread only
    private var reportedSuppressed: UInt64 = 0
    private var suppressedReportedAt = ContinuousClock.now

    /// - Parameters:
    ///   - file: where JSON lines go (nil: journal only).
    ///   - journal: journal emission (nil: file only).
    ///   - capacity: queue bound; beyond it records are dropped and counted.
    ///   - maxQueuedBytes: bound on the bytes of queued lines and journal entries (a chunk is
    ///     still taken when nothing is queued); beyond it they are dropped and counted.
    ///   - journalSocket: send journal entries as native datagrams here (instead of through
    ///     the journal's logger, whose handler must then be the journal's too).
    public init(file: RotatingLogFile?, mask: [MaskRule] = [], journal: DecisionJournal? = nil,
                capacity: Int = 8192, maxQueuedBytes: Int = 64 << 20, errorLogger: Logger? = nil,
                journalSocket: JournalSocket? = nil, poolTrimInterval: Double = 5)
    {
        self.poolTrimInterval = poolTrimInterval
        self.file = file
        if let file {
            blockAlignment = file.writesDirect ? StagedAppend.alignment : 1
            nextOffset = file.size
        }
        self.mask = mask
        self.journal = journal
        journalSender = journal.flatMap { j in
            journalSocket.map { DecisionJournalSender(socket: $0, logger: j.logger, errorLogger: errorLogger) }
        }
        journalRateLimit = journal?.rateLimit
        encodesJournal = journalSender != nil
        self.capacity = max(1, capacity)
        self.maxQueuedBytes = max(1, maxQueuedBytes)
        highWater = max(1, self.capacity / 2)
        // The queue's bytes bound the blocks in use at once, and so the pool.
        pool = StagingBlockPool(keep: 2, limit: self.maxQueuedBytes / StagedAppend.keptCapacity + 2)
        self.errorLogger = errorLogger
        writesFile = file != nil
        hasJournal = journal != nil
        let level = journal?.logger.logLevel
        journalKeepsFailures = level.map { $0 <= .warning } ?? false
        journalKeepsAllows = (journal?.sampleAllow ?? 0) > 0 && level.map { $0 <= .info } ?? false
        journalKeepsDenies = level.map { $0 <= .notice } ?? false
    }

    /// Whether the writer thread has been started (it starts with the first record: a daemon
    /// whose log keeps nothing, e.g. file off and no deny yet for the journal, has none).
    var threadStarted: Bool {
        cond.lock()
        defer { cond.unlock() }
        return started
    }

    /// Must hold the lock.
    private func startThreadLocked() {
        guard !started else { return }
        started = true
        let thread = Thread { [self] in self.run() }
        thread.name = "policyd-decision-log"
        thread.start()
    }

    /// Whether a decision with this outcome would be written anywhere: always with the file;
    /// journal only, when the journal's level and allow sampling keep it. Lets the request path
    /// skip building records nobody keeps.
    public func wants(allow: Bool, failed: Bool) -> Bool {
        if writesFile { return true }
        return journalWants(allow: allow, failed: failed)
    }

    /// Whether the journal may log such a decision (its level, and allow sampling on).
    public func journalWants(allow: Bool, failed: Bool) -> Bool {
        if failed { return journalKeepsFailures }
        return allow ? journalKeepsAllows : journalKeepsDenies
    }

    /// Whether the journal logs this decision, for a request path that encodes the entry
    /// itself (`encodesJournal`): `journalWants`, and for allows the sampling stride (counted
    /// here, across connections).
    /// Then the journal's rate limit, by the decision's time `nowNs`; an entry it refuses
    /// adds one to `suppressed` (the caller hands its count over with `countSuppressed`).
    public func journalTakes(allow: Bool, failed: Bool, nowNs: Int64, suppressed: inout Int) -> Bool {
        guard journalWants(allow: allow, failed: failed) else { return false }
        if allow && !failed, let rate = journal?.sampleAllow, rate < 1,
            !DecisionJournal.sampled(allowsSeen.loadThenWrappingIncrement(ordering: .relaxed) &+ 1, rate: rate)
        {
            return false
        }
        guard let journalRateLimit, !journalRateLimit.admit(nowNs: nowNs) else { return true }
        suppressed += 1
        return false
    }

    /// Journal entries the rate limit refused on the request path (counted per connection batch).
    public func countSuppressed(_ n: Int) {
        journalRateLimit?.countSuppressed(n)
    }

    /// Queues `r` for writing. Returns false (and counts a drop) when the queue is full or the
    /// log is closed. Cost on the request path: one short lock and an array append (and a
    /// wake-up only when the writer is idle or the queue is half full).
    @discardableResult
    public func record(_ r: DecisionRecord) -> Bool {
        cond.lock()
        if closing || queue.count >= capacity {
            droppedCount += 1
            cond.unlock()
            return false
        }
        queue.append(r)
        enqueued += 1
        startThreadLocked()
        let wake = writerIdle || queue.count + lineCount == highWater
        writerIdle = false
        cond.unlock()
        if wake { cond.signal() }
        return true
    }

    /// `record(lines:…)` for lines in an array (tests, tools).
    @discardableResult
    public func record(lines bytes: [UInt8], count: Int, journal: [DecisionRecord],
                       datagrams: [UInt8] = [], ends: [Int] = []) -> Bool {
        let chunk = LineBuffer()
        bytes.withUnsafeBytes { chunk.append($0) }
        return record(lines: chunk, count: count, journal: journal, datagrams: datagrams, ends: ends)
    }

    /// Queues `count` decisions: their already serialised lines for the file, the records
    /// among them the journal may log, and journal entries already encoded (`datagrams`, the
    /// i-th ending at `ends[i]`; with `encodesJournal`). All or nothing: beyond the capacity
    /// (decisions, or `maxQueuedBytes` of lines and entries; a chunk is taken whenever nothing
    /// is queued) the whole chunk is dropped and counted.
    ///
    /// The lines are copied into the file's staging block under the lock (the caller's buffer,
    /// just written, is in its cache; the order of copies is the file's order), and `chunk`
    /// is emptied for the caller's next lines. The writer writes them from that block.
    @discardableResult
    func record(lines chunk: LineBuffer, count: Int, journal: [DecisionRecord],
                datagrams: [UInt8] = [], ends: [Int] = []) -> Bool {
        let bytes = chunk.count + datagrams.count
        cond.lock()
        if writesFile && !chunk.isEmpty && pool.count == 0 && needsBlockLocked(chunk.count) {
            // The writer is behind and kept no block ready: page one in off the lock (the
            // other loops' hand-overs would wait for the faults), as the writer would have.
            cond.unlock()
            let fresh = StagingBlock.prefaulted()
            cond.lock()
            pool.put(fresh)
        }
        if closing || queue.count + lineCount + count > capacity
            || (queuedBytes > 0 && queuedBytes + bytes > maxQueuedBytes)
        {
            droppedCount += UInt64(count)
            cond.unlock()
            chunk.reset(keep: DecisionBatch.keptCapacity)
            return false
        }
        if !chunk.isEmpty && writesFile { stageLocked(chunk.bytes) }
        lineCount += count
        queuedBytes += bytes
        if !journal.isEmpty { journalOnly.append(contentsOf: journal) }
        if !ends.isEmpty {
            let base = self.datagrams.count
            self.datagrams.append(contentsOf: datagrams)
            datagramEnds.append(contentsOf: ends.lazy.map { $0 + base })
        }
        enqueued += UInt64(count)
        startThreadLocked()
        let wake = writerIdle || (queue.count + lineCount >= highWater && queue.count + lineCount - count < highWater)
        writerIdle = false
        cond.unlock()
        chunk.reset(keep: DecisionBatch.keptCapacity)
        if wake { cond.signal() }
        return true
    }

    /// Whether `n` more bytes of lines need another block (the current one is full, or taken).
    /// Must hold the lock.
    private func needsBlockLocked(_ n: Int) -> Bool {
        guard let block else { return true }
        return !block.fits(n) && !block.isEmpty
    }

    /// Copies `lines` after those already staged. Must hold the lock.
    private func stageLocked(_ lines: UnsafeRawBufferPointer) {
        if block == nil || !block!.fits(lines.count) {
            if let full = block, !full.isEmpty { fullBlocks.append(full) }
            let next = (block?.isEmpty ?? false) ? block! : (pool.take() ?? StagingBlock())
            next.reset(start: nextOffset % blockAlignment, room: lines.count)
            block = next
        }
        block!.append(lines)
        nextOffset += lines.count
    }

    /// Emptied blocks kept for the loops to fill (tests).
    var pooledBlocks: Int {
        cond.lock()
        defer { cond.unlock() }
        return pool.count
    }

    public var stats: Stats {
        cond.lock()
        defer { cond.unlock() }
        return Stats(recorded: enqueued, written: processed, dropped: droppedCount, writeErrors: writeErrors,
                     journalDropped: journalSender?.dropped.load(ordering: .relaxed) ?? 0)
    }

    /// Waits until every record accepted before this call has been written.
    public func flush() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            cond.lock()
            if (processed >= enqueued && !unsettled) || stopped {
                cond.unlock()
                c.resume()
                return
            }
            waiters.append((enqueued, c))
            cond.unlock()
            cond.signal()
        }
    }

    /// Stops accepting records, writes what is queued, syncs and closes the file.
    public func close() async {
        beginClosing()
        if closeWithoutThread() { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            cond.lock()
            if stopped {
                cond.unlock()
                c.resume()
                return
            }
            waiters.append((UInt64.max, c))
            cond.unlock()
        }
    }

    /// When nothing was ever recorded there is no thread to stop, just the file to close
    /// (`closing` keeps later records, and so the thread, out). Returns whether that was the case.
    private func closeWithoutThread() -> Bool {
        cond.lock()
        guard !started else {
            cond.unlock()
            return false
        }
        stopped = true
        cond.unlock()
        file?.close()
        return true
    }

    private func beginClosing() {
        cond.lock()
        closing = true
        cond.unlock()
        cond.broadcast()
    }

    // MARK: writer thread

    private func run() {
        // Set from the thread itself so the kernel's name (top, perf, ab_log_rounds.py) is this,
        // not the creator's (a new thread inherits the event loop's). Directly: Foundation's
        // `Thread.current.name` reaches the kernel only when the creating thread has already
        // recorded the new thread's handle, a race that left it "NIO-ELT-…" in some runs.
        _ = CNIOLinux_pthread_setname_np(pthread_self(), "policyd-declog")
        // SCHED_BATCH (same nice value, so the same share of CPU): its wake-ups (the batch
        // timer, each direct write's completion) do not preempt an event loop mid-request;
        // it runs at the loop's next scheduling point. On 2 saturated cores every preemption
        // is two context switches and a cold cache for the request that was interrupted.
        // Failure (a seccomp filter) leaves the default class.
        var param = sched_param(sched_priority: 0)
        _ = sched_setscheduler(0, BackgroundThread.schedBatch, &param)
        var batch: [DecisionRecord] = []
        var batchBlocks: [StagingBlock] = []
        var batchJournal: [DecisionRecord] = []
        var batchDatagrams: [UInt8] = []
        var batchEnds: [Int] = []
        var buffer = JSONWriter(reserve: 64 * 1024)
        while true {
            cond.lock()
            while queue.isEmpty && lineCount == 0 && !closing {
                writerIdle = true
                if !unsettled {
                    guard pool.count > pool.keep else {
                        cond.wait()
                        continue
                    }
                    // Idle with blocks a stall needed: let them go once none was used for an interval.
                    _ = cond.wait(until: nextTrim)
                    if Date() >= nextTrim {
                        var unused = trimPoolLocked()
                        cond.unlock()
                        unused.removeAll()  // freed off the lock
                        cond.lock()
                    }
                    continue
                }
                // A partial block is held back: wait a little for lines that complete it,
                // then (idle, or a flush waiting) write it through the page cache.
                if waiters.isEmpty { _ = cond.wait(until: Date(timeIntervalSinceNow: Self.settleDelay)) }
                guard queue.isEmpty && lineCount == 0 && !closing else { break }
                writerIdle = false
                cond.unlock()
                finishFileBatch(settle: true)
                cond.lock()
                unsettled = false
                let ready = takeWaiters(upTo: processed)
                cond.unlock()
                for c in ready { c.resume() }
                cond.lock()
            }
            writerIdle = false
            // Let the batch fill; records arriving meanwhile need no wake-up. A flush, close or
            // a half-full queue ends the wait early.
            if !closing && waiters.isEmpty && queue.count + lineCount < highWater {
                _ = cond.wait(until: Date(timeIntervalSinceNow: Self.batchDelay))
            }
            swap(&batch, &queue)
            takeBlocksLocked(&batchBlocks)
            swap(&batchJournal, &journalOnly)
            swap(&batchDatagrams, &datagrams)
            swap(&batchEnds, &datagramEnds)
            let chunkLines = lineCount
            lineCount = 0
            queuedBytes = 0
            let finishing = closing && batch.isEmpty && chunkLines == 0 && batchEnds.isEmpty
            cond.unlock()

            if finishing { break }
            if !batch.isEmpty { write(batch, &buffer) }
            if chunkLines > 0 || !batchJournal.isEmpty { writeLines(batchBlocks, journal: batchJournal) }
            // The file first: the journal may make the writer wait (a little).
            if !batchEnds.isEmpty { journalSender?.send(batchDatagrams, ends: batchEnds) }
            journalSender?.sendBuffered()
            let n = UInt64(batch.count + chunkLines)
            batch.removeAll(keepingCapacity: true)
            if !batchBlocks.isEmpty { recycle(&batchBlocks) }
            batchJournal.removeAll(keepingCapacity: true)
            batchDatagrams.removeAll(keepingCapacity: true)
            batchEnds.removeAll(keepingCapacity: true)

            // The batch was staged: one write now. Direct writes hold back the file's last
            // partial block; it goes in before a flush is told its records are written, or
            // once the writer has been idle for `settleDelay` (above).
            cond.lock()
            let settle = !waiters.isEmpty
            cond.unlock()
            finishFileBatch(settle: settle)
            let held = file?.hasUnwritten ?? false
            cond.lock()
            processed += n
            unsettled = held
            let ready = held ? [] : takeWaiters(upTo: processed)
            let dropped = droppedCount
            cond.unlock()
            for c in ready { c.resume() }
            // An audit trail with holes must say so: report new drops (from this thread, not
            // the request path that counted them).
            reportDrops(dropped)
            reportRateLimited(final: false)
        }
        cond.lock()
        let dropped = droppedCount
        cond.unlock()
        reportDrops(dropped)
        reportRateLimited(final: true)
        file?.close()
        cond.lock()
        stopped = true
        let rest = waiters.map(\.1)
        waiters.removeAll()
        cond.unlock()
        for c in rest { c.resume() }
    }

    private func reportDrops(_ dropped: UInt64) {
        guard dropped > reportedDrops else { return }
        errorLogger?.warning("decision log queue full: \(dropped - reportedDrops) decisions dropped (\(dropped) in total)",
                             metadata: ["POLICYD_DECISIONS_DROPPED": .string(String(dropped))])
        reportedDrops = dropped
    }

    /// Journal entries the rate limit held back: one warning per interval at most (and at close).
    private func reportRateLimited(final: Bool) {
        guard let limit = journalRateLimit else { return }
        let total = limit.suppressedTotal
        guard total > reportedSuppressed else { return }
        let now = ContinuousClock.now
        guard final || now - suppressedReportedAt >= .nanoseconds(limit.intervalNs) else { return }
        errorLogger?.warning("journal rate limit (\(limit.burst) per \(limit.intervalNs / 1_000_000) ms): \(total - reportedSuppressed) decision entries not journaled (\(total) in total; the decision log file has every decision)",
                             metadata: ["POLICYD_JOURNAL_SUPPRESSED": .string(String(total))])
        reportedSuppressed = total
        suppressedReportedAt = now
    }

    // MARK: journal (writer thread)

    /// A journal entry for `r` (already masked), sent with the batch: encoded when the writer
    /// sends datagrams, else logged through the journal's logger.
    private func emitJournal(_ r: DecisionRecord) {
        guard journal != nil else { return }
        guard let journalSender else { return journal!.emit(r) }
        guard journalWants(allow: r.decision == "allow", failed: r.error != nil), journal!.shouldLog(r) else { return }
        if let journalRateLimit, !journalRateLimit.admit(nowNs: r.timestampNs) {
            return journalRateLimit.countSuppressed(1)
        }
        journalSender.add(r)
    }

    private func finishFileBatch(settle: Bool) {
        guard let file else { return }
        do { if settle { try file.settle() } else { try file.commit() } } catch { countWriteError(error) }
    }

    /// A failed file write is counted (`stats.writeErrors`) and logged; the writer goes on.
    private func countWriteError(_ error: any Error) {
        cond.lock()
        writeErrors += 1
        cond.unlock()
        errorLogger?.error("decision log write failed: \(error)")
    }

    /// Must hold the lock.
    private func takeWaiters(upTo seq: UInt64) -> [CheckedContinuation<Void, Never>] {
        guard !waiters.isEmpty else { return [] }
        var ready: [CheckedContinuation<Void, Never>] = []
        waiters.removeAll { w in
            if w.0 <= seq { ready.append(w.1); return true }
            return false
        }
        return ready
    }

    private func write(_ batch: [DecisionRecord], _ buffer: inout JSONWriter) {
        buffer = JSONWriter(reserve: max(4096, batch.count * 768))
        if mask.isEmpty {
            // In place: no per-record copy (and retain/release of every field).
            batch.withUnsafeBufferPointer { records in
                for i in records.indices {
                    if file != nil {
                        records[i].writeJSON(into: &buffer)
                        buffer.appendRaw("\n")
                    }
                    emitJournal(records[i])
                }
            }
        } else {
            for var r in batch {
                if let text = r.inputJSON {  // not expected with masks; mask the parsed value
                    r.input = try? JSONReader.parse(text)
                    r.inputJSON = nil
                }
                DecisionMasker.apply(mask, to: &r)
                if file != nil {
                    r.writeJSON(into: &buffer)
                    buffer.appendRaw("\n")
                }
                emitJournal(r)
            }
        }
        buffer.bytes.withUnsafeBytes { appendToFile($0) }
    }

    /// Appends whole lines to the file (rotating between lines); a failure is counted and logged.
    private func appendToFile(_ lines: UnsafeRawBufferPointer) {
        guard let file, !lines.isEmpty else { return }
        do { try file.appendLines(lines) } catch { countWriteError(error) }
    }

    /// Lines serialised by the request path (their blocks become the file's staging, written
    /// with the batch), and the journal's records.
    private func writeLines(_ blocks: [StagingBlock], journal records: [DecisionRecord]) {
        for r in records { emitJournal(r) }
        guard let file else { return }
        for b in blocks {
            do { try file.append(block: b) } catch { countWriteError(error) }
        }
    }

    /// The blocks filled since the last batch, in file order; the next lines start a new block
    /// where these end in the file (unless a rotation comes between: `nextOffset`). Must hold
    /// the lock (writer thread: reads the file's size).
    private func takeBlocksLocked(_ taken: inout [StagingBlock]) {
        swap(&taken, &fullBlocks)
        if let b = block, !b.isEmpty {
            taken.append(b)
            block = nil
        }
        guard let file else { return }
        blockAlignment = file.writesDirect ? StagedAppend.alignment : 1
        nextOffset = taken.reduce(file.size) { $0 + $1.count }
        if let b = block { b.reset(start: nextOffset % blockAlignment, room: 0) }  // empty: restart it there
    }

    /// Keeps written blocks (now holding the buffers the file staged in before) for
    /// `record(lines:)` to fill next, lets go of those no stall used for `poolTrimInterval`,
    /// and pages in new ones here when fewer than `pool.keep` are ready, so an event loop
    /// rarely allocates (and first-touches) one.
    private func recycle(_ written: inout [StagingBlock]) {
        cond.lock()
        for b in written where b.buffer != nil && b.capacity <= StagedAppend.keptCapacity { pool.put(b) }
        var unused = Date() >= nextTrim ? trimPoolLocked() : []
        var missing = pool.shortfall
        cond.unlock()
        // Blocks not kept are freed here, off the lock.
        written.removeAll(keepingCapacity: true)
        unused.removeAll()
        while missing > 0 {
            let b = StagingBlock.prefaulted()
            cond.lock()
            pool.put(b)
            missing = pool.shortfall
            cond.unlock()
        }
    }

    /// `pool.trim()`, and the next trim's time. Must hold the lock (writer thread).
    private func trimPoolLocked() -> [StagingBlock] {
        nextTrim = Date(timeIntervalSinceNow: poolTrimInterval)
        return pool.trim()
    }
}
