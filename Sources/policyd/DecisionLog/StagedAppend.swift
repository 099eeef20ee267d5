#if canImport(Glibc)
import Glibc
#endif

/// The live decision log file's appends: staged in one aligned buffer, written once per batch
/// (`commit`), with `O_DIRECT` when the file system takes it.
///
/// Why direct: at full load the log writes ~150 MB/s (one ~840-byte line per decision), and
/// buffered writes cost the kernel ~0.5 s of CPU per GB on this machine (allocating, zeroing
/// and filling page-cache pages, ext4 delayed allocation, later write-back): ~0.4 µs per
/// decision, on the cores that serve requests. Direct writes of the same data cost ~0.08 s
/// per GB (docs/performance.md, "Decision log, session 5").
///
/// Direct writes must start at an aligned file offset and cover whole blocks, while the log
/// ends mid-block. So `commit` writes the whole blocks and keeps the last partial block (the
/// tail) at the front of the buffer, to be written, completed, with the next batch. Under load
/// the tail is never written alone; `settle()` (the writer going idle, a flush, rotation,
/// close) writes it through the ordinary descriptor, so the file holds every line whenever
/// the writer is not mid-stream; the block it started is then completed through the page
/// cache too (a direct write over a dirty cached page would wait for its write-back). The
/// file never holds anything but whole lines (no padding). Where `O_DIRECT` is refused, or
/// with `direct` off, `commit` writes everything staged with one plain `write`.
///
/// Not thread-safe: owned by the decision log's writer thread (through `RotatingLogFile`).
final class StagedAppend {
    /// Offset and length alignment for `O_DIRECT` (the logical block size of common devices
    /// is 512 or 4096; 4096 satisfies both).
    static let alignment = 4096
    /// Staging allocated once and kept (two huge pages): `commitAt` and the partial block held
    /// back. Appends commit before they would outgrow it, so the buffer is never grown (copied)
    /// and freed again per large batch; only an entry larger than it grows it, for that entry.
    static let keptCapacity = 4 << 20
    /// Staged bytes beyond which `append` commits first (bounds the buffer). A batch at full
    /// load is ~1 MB; one from a writer held up for a while, tens of MB.
    static let commitAt = keptCapacity - alignment
    /// Staging buffers are backed by transparent huge pages where the kernel offers them
    /// (`MADV_HUGEPAGE`): a direct write then pins two pages instead of ~1,000 and goes out as
    /// a few large physically contiguous segments (one block request per batch instead of one
    /// per ~250 scattered 4 KiB pages, each a virtio notification: a VM exit), and the copy
    /// into the buffer takes no TLB misses on it.
    static let hugePage = 2 << 20

    /// The `O_DIRECT` descriptor (-1: buffered writes).
    private var directFD: Int32 = -1
    /// The file's ordinary `O_APPEND` descriptor (not owned).
    private var fd: Int32 = -1
    private let direct: Bool
    private var buffer: UnsafeMutableRawPointer?
    private var capacity = 0
    /// Bytes staged at `buffer[0..<count]`; `buffer[0]` is at file offset `base` (aligned
    /// when writing directly).
    private var count = 0
    private var base = 0
    /// Bytes at the front of the buffer already in the file (never written again).
    private var inFile = 0

    /// `direct`: try `O_DIRECT` (not available on every file system).
    init(direct: Bool) {
        self.direct = direct
    }

    /// Appends to `fd` from now on, the ordinary descriptor of `path` (which is `size` bytes
    /// long); what was staged for the previous file must have been settled. The buffer is kept.
    func attach(path: String, fd: Int32, size: Int) {
        if directFD >= 0 { close(directFD) }
        directFD = -1
        self.fd = fd
        base = size
        count = 0
        inFile = 0
        guard direct else { return }
        // O_DIRECT is declared only under _GNU_SOURCE; glibc's own name has the value per arch.
        directFD = open(path, O_WRONLY | __O_DIRECT | O_CLOEXEC)
        // A file ending mid-block (a restart): its last block is completed through the page
        // cache first (`commit`), so those bytes count as staged and in the file.
        let tail = size % Self.alignment
        if directFD >= 0 && tail > 0 {
            reserve(tail)
            base = size - tail
            count = tail
            inFile = tail
        }
    }

    /// Stops appending to the current file (settled first); `release` frees the buffer too.
    func detach(release: Bool = false) {
        if directFD >= 0 { close(directFD) }
        directFD = -1
        fd = -1
        count = 0
        inFile = 0
        if release {
            free(buffer)
            buffer = nil
            capacity = 0
        }
    }

    deinit {
        if directFD >= 0 { close(directFD) }
        free(buffer)
    }

    var writesDirect: Bool { directFD >= 0 }
    /// Bytes appended but not yet in the file.
    var pending: Int { count - inFile }

    /// Stages `bytes` (whole lines); commits when much is staged.
    func append(_ bytes: UnsafeRawBufferPointer) throws(RotatingLogFile.IOError) {
        if count + bytes.count > Self.commitAt && count > inFile { try commit() }
        reserve(count + bytes.count)
        memcpy(buffer! + count, bytes.baseAddress!, bytes.count)
        count += bytes.count
    }

    /// Writes what is staged: whole blocks directly (the partial last one stays staged), or
    /// everything with one plain write.
    func commit() throws(RotatingLogFile.IOError) {
        guard count > inFile else { return }
        guard directFD >= 0 else { return try writeBuffered() }
        let a = Self.alignment
        var start = 0
        if inFile > 0 {
            // The first block is partly in the file through the page cache (a settled tail, or
            // the end of the file found at open): complete it the same way. A direct write over
            // a dirty cached page makes the kernel write that page back and wait for it first.
            let end = min(count, a)
            if end > inFile {
                try Self.writeAll(fd, buffer! + inFile, end - inFile)
                inFile = end
            }
            start = a
        }
        let whole = count - count % a
        var done = start
        while done < whole {
            let n = pwrite(directFD, buffer! + done, whole - done, off_t(base + done))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL && done == start {
                    // The device refused the alignment: buffered from now on.
                    close(directFD)
                    directFD = -1
                    return try writeBuffered()
                }
                throw RotatingLogFile.IOError(description: "cannot write decision log: \(errnoText())")
            }
            done += n
            if done % a != 0 {
                // A short direct write ending mid-block: the rest through the ordinary
                // descriptor, which appends where the direct write stopped.
                inFile = done
                return try writeBuffered(keepTail: true)
            }
        }
        guard whole > 0 else { return }
        let rest = count - whole  // inFile ≤ a ≤ whole: none of it is in the file yet
        memmove(buffer!, buffer! + whole, rest)
        base += whole
        count = rest
        inFile = 0
        if capacity > Self.keptCapacity { shrink() }
    }

    /// Commits, then writes the staged partial block through the ordinary descriptor, so the
    /// file holds every byte appended. The next commit completes that block the same way and
    /// writes directly from the next one.
    func settle() throws(RotatingLogFile.IOError) {
        try commit()
        guard count > inFile else { return }
        try Self.writeAll(fd, buffer! + inFile, count - inFile)
        inFile = count
    }

    /// Everything staged and not in the file, with plain writes; keeps the partial last block
    /// staged (as written) when direct writes go on.
    private func writeBuffered(keepTail: Bool = false) throws(RotatingLogFile.IOError) {
        try Self.writeAll(fd, buffer! + inFile, count - inFile)
        let end = base + count
        let keep = keepTail ? end % Self.alignment : 0
        memmove(buffer!, buffer! + (count - keep), keep)
        base = end - keep
        count = keep
        inFile = keep
        if capacity > Self.keptCapacity { shrink() }
    }

    private static func writeAll(_ fd: Int32, _ p: UnsafeRawPointer, _ count: Int) throws(RotatingLogFile.IOError) {
        var done = 0
        while done < count {
            let n = write(fd, p + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw RotatingLogFile.IOError(description: "cannot write decision log: \(errnoText())")
            }
            done += n
        }
    }

    /// A staging buffer's capacity for `total` bytes: at least `keptCapacity`, whole huge pages.
    static func roundedCapacity(_ total: Int) -> Int {
        (max(total, keptCapacity) + hugePage - 1) / hugePage * hugePage
    }

    /// A staging buffer of `capacity` bytes (`roundedCapacity`), aligned for direct I/O and
    /// huge pages (freed with `free`). `prefault`: its pages are made present now (by the
    /// calling thread) rather than by the first copy into them.
    static func allocate(_ capacity: Int, prefault: Bool = false) -> UnsafeMutableRawPointer {
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, hugePage, capacity) == 0, let p else {
            fatalError("decision log: out of memory for a \(capacity)-byte buffer")
        }
        // A hint: without THP (or with it off) the buffer is ordinary pages, as before.
        _ = madvise(p, capacity, MADV_HUGEPAGE)
        if prefault && madvise(p, capacity, populateWrite) != 0 {
            // Before Linux 5.14: one write per page faults it in just the same.
            var offset = 0
            while offset < capacity {
                p.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
                offset += 4096
            }
        }
        return p
    }

    /// `MADV_POPULATE_WRITE` (Linux 5.14; not in every libc's headers).
    private static let populateWrite: Int32 = 23

    /// Takes the lines `block` holds by taking its buffer as the staging buffer, when they
    /// start where the staged bytes end within an alignment block (`StagingBlock.start`): what
    /// is staged (after a commit, at most the file's partial last block) is copied in front of
    /// them, and `block` gets the previous buffer to be filled again. Returns false when they
    /// do not line up (nothing taken; what was staged may have been committed).
    func adopt(_ block: StagingBlock) throws(RotatingLogFile.IOError) -> Bool {
        if count != block.start { try commit() }
        guard count == block.start, let lines = block.buffer else { return false }
        if count > 0 { memcpy(lines, buffer!, count) }
        let previous = buffer, previousCapacity = capacity
        buffer = lines
        capacity = block.capacity
        count = block.fill
        block.buffer = previous
        block.capacity = previousCapacity
        return true
    }

    /// Room for `total` staged bytes, aligned for direct I/O (keeps what is staged).
    private func reserve(_ total: Int) {
        guard total > capacity else { return }
        let newCapacity = Self.roundedCapacity(max(total, capacity * 2))
        let p = Self.allocate(newCapacity)
        if let old = buffer {
            memcpy(p, old, count)
            free(old)
        }
        buffer = p
        capacity = newCapacity
    }

    /// Lets a buffer grown by a huge entry go (what is staged is less than a block).
    private func shrink() {
        let old = buffer
        buffer = nil
        capacity = 0
        reserve(1)
        if let old {
            memcpy(buffer!, old, count)
            free(old)
        }
    }
}
