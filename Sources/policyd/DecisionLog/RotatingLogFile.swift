import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// An append-only file that rotates by size: when the next write would take `path` past
/// `maxBytes`, it becomes `path.1` (`path.1` becomes `path.2`, …) and a new `path` starts.
/// At most `maxFiles` files exist in total (the live one plus `maxFiles - 1` rotated ones);
/// the oldest is deleted. A single write larger than `maxBytes` still goes whole into a fresh
/// file: entries are never split across files.
///
/// The log is written, never read back by the daemon: every `dropBehind` bytes the pages
/// written earlier are handed back to the kernel (`POSIX_FADV_DONTNEED`, which starts their
/// write-back and frees the clean ones). Page cache for the log stays a few MiB instead of
/// growing with everything written, and the next writes reuse just-freed pages instead of
/// fresh ones: on this VM that cut the kernel's CPU time per MiB written by about 3x (first
/// touch of a never-used page is what costs). It never waits for the disk.
///
/// Rotation never makes the writer wait for the disk either: the finished file's
/// `fdatasync` and page drop, and the freeing of the deleted oldest file's blocks (a synchronous
/// discard on a filesystem mounted with `discard`), run on a background queue. The writer only
/// renames, unlinks (the oldest file stays open on that queue, so unlinking frees nothing yet)
/// and opens. Under load, a rotation every ~0.6 s that synced 64 MiB on the writer thread
/// stalled it for longer than the queue lasts, and decisions were dropped. `close()` waits for
/// that work, so a clean stop still leaves every file synced.
///
/// Appends are staged and written per batch (`commit`, one write), with `O_DIRECT` when
/// `directIO` is set (the daemon's default) and the file system takes it (`StagedAppend`: a
/// fraction of the kernel CPU per byte, no page cache); the last partial block reaches the
/// file with the next batch or at `settle()`. Buffered writes use the drop-behind below.
///
/// Not thread-safe: owned by the decision log's single writer thread.
public final class RotatingLogFile {
    public let path: String
    public let maxBytes: Int
    public let maxFiles: Int
    private var fd: Int32 = -1
    public private(set) var size = 0
    public private(set) var rotations = 0
    /// Bytes between two drop-behind calls (0: keep everything in the page cache).
    public let dropBehind: Int
    /// Offset up to which the previous drop-behind call reached.
    private var droppedUpTo = 0
    private var nextDrop = 0
    /// The live file's staged appends.
    private let stage: StagedAppend
    private var closed = false
    /// Syncs and closes rotated-out files, and frees deleted ones (serial, in rotation order).
    private let retirer = DispatchQueue(label: "policyd-declog-retire", qos: .utility)

    public struct IOError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(path: String, maxBytes: Int, maxFiles: Int, dropBehind: Int = 4 << 20,
                directIO: Bool = true) throws(IOError) {
        self.path = path
        stage = StagedAppend(direct: directIO)
        self.maxBytes = max(1, maxBytes)
        self.maxFiles = max(1, maxFiles)
        self.dropBehind = max(0, dropBehind)
        try open()
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    private func open() throws(IOError) {
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw IOError(description: "cannot open decision log \(path): \(errnoText())") }
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        try endTornLine()
        droppedUpTo = 0
        nextDrop = size + dropBehind
        stage.attach(path: path, fd: fd, size: size)
    }

    /// A file left by a daemon that died mid-batch can end inside a line (direct writes commit
    /// whole blocks, not whole lines). Ending that line keeps the torn entry on its own line,
    /// so the first entry written now stays readable.
    private func endTornLine() throws(IOError) {
        guard size > 0 else { return }
        let rfd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard rfd >= 0 else { return }
        var last: UInt8 = 0
        let n = pread(rfd, &last, 1, off_t(size - 1))
        Glibc.close(rfd)
        guard n == 1, last != UInt8(ascii: "\n") else { return }
        var newline = UInt8(ascii: "\n")
        guard Glibc.write(fd, &newline, 1) == 1 else {
            throw IOError(description: "cannot write decision log \(path): \(errnoText())")
        }
        size += 1
    }

    /// Whether the live file is written with `O_DIRECT`.
    public var writesDirect: Bool { stage.writesDirect }

    /// Whether bytes appended are not in the file yet (after `commit`: the partial last block
    /// direct writes hold back; `settle` writes it).
    public var hasUnwritten: Bool { stage.pending > 0 }

    /// Appends `bytes` (whole entries), rotating first if they would not fit. They are in the
    /// file after the next `commit()` (direct writes: but for the last partial block, which
    /// `settle()` writes).
    public func append(_ bytes: UnsafeRawBufferPointer) throws(IOError) {
        guard !bytes.isEmpty else { return }
        if size > 0 && size + bytes.count > maxBytes { try rotate() }
        guard !closed else { throw IOError(description: "decision log \(path) is closed") }
        try stage.append(bytes)
        size += bytes.count
    }

    /// Writes what `append` staged (the end of a batch).
    public func commit() throws(IOError) {
        try stage.commit()
        if !writesDirect && dropBehind > 0 && size >= nextDrop { dropWritten() }
    }

    /// Commits, and puts in the file the partial block direct writes hold back: the writer
    /// calls it before it goes idle or reports a flush done.
    public func settle() throws(IOError) {
        try stage.settle()
        if !writesDirect && dropBehind > 0 && size >= nextDrop { dropWritten() }
    }

    /// Drops from the page cache what was written up to one window ago: pages written back
    /// since the last call are freed, dirty ones get their write-back started (and are freed by
    /// a later call). The newest window stays cached (it is still being filled).
    private func dropWritten() {
        let end = size - dropBehind
        nextDrop = size + dropBehind
        guard end > 0 else { return }
        // Start one window further back: pages that were still dirty last time.
        let from = max(0, droppedUpTo - dropBehind)
        _ = posix_fadvise(fd, off_t(from), off_t(end - from), POSIX_FADV_DONTNEED)
        droppedUpTo = end
    }

    /// Appends the lines a `StagingBlock` holds: in place when they line up with the staging
    /// (its buffer becomes the staging, the block gets the previous one back) and fit in the
    /// live file; else copied, rotating between lines (`appendLines`).
    func append(block: StagingBlock) throws(IOError) {
        let n = block.count
        guard n > 0 else { return }
        guard !closed else { throw IOError(description: "decision log \(path) is closed") }
        if size + n <= maxBytes, try stage.adopt(block) {
            size += n
            return
        }
        try appendLines(block.lines)
    }

    public func append(_ bytes: [UInt8]) throws(IOError) {
        var failure: IOError?
        bytes.withUnsafeBytes { b in
            do throws(IOError) { try append(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Makes everything appended so far durable.
    public func sync() {
        try? settle()
        if fd >= 0 { _ = fdatasync(fd) }
        retirer.sync {}
    }

    public func close() {
        try? settle()
        stage.detach(release: true)
        closed = true
        if fd >= 0 {
            _ = fdatasync(fd)
            Glibc.close(fd)
            fd = -1
        }
        retirer.sync {}  // rotated files synced, deleted ones freed
    }

    private func rotate() throws(IOError) {
        try settle()
        stage.detach()
        let finished = fd
        fd = -1
        // Held open until the retirer closes it: unlinking it below then frees nothing.
        let oldest = maxFiles == 1 ? -1 : Glibc.open("\(path).\(maxFiles - 1)", O_RDONLY | O_CLOEXEC)
        if maxFiles == 1 {
            unlink(path)
        } else {
            unlink("\(path).\(maxFiles - 1)")
            var i = maxFiles - 2
            while i >= 1 {
                rename("\(path).\(i)", "\(path).\(i + 1)")
                i -= 1
            }
            rename(path, "\(path).1")
        }
        // After the unlink: closing `oldest` there is what frees its blocks.
        let drop = dropBehind > 0
        retirer.async {
            _ = fdatasync(finished)
            // All of it is on disk now: free its pages (nothing reads a rotated file soon).
            if drop { _ = posix_fadvise(finished, 0, 0, POSIX_FADV_DONTNEED) }
            Glibc.close(finished)
            if oldest >= 0 { Glibc.close(oldest) }
        }
        rotations += 1
        try open()
    }

    /// Appends a batch of whole lines; one that would take the file past `maxBytes` goes in
    /// pieces that fit, so that rotation happens between lines.
    func appendLines(_ all: UnsafeRawBufferPointer) throws(IOError) {
        guard size + all.count > maxBytes else { return try append(all) }
        func put(_ r: Range<Int>) throws(IOError) {
            if !r.isEmpty { try append(UnsafeRawBufferPointer(rebasing: all[r])) }
        }
        var chunkStart = 0
        var lineStart = 0
        for i in 0..<all.count where all[i] == 0x0A {
            let lineEnd = i + 1
            if size + (lineEnd - chunkStart) > maxBytes {
                try put(chunkStart..<lineStart)   // what fits so far
                chunkStart = lineStart
                if size + (lineEnd - lineStart) > maxBytes {
                    try put(lineStart..<lineEnd)  // rotates first; alone in its file if huge
                    chunkStart = lineEnd
                }
            }
            lineStart = lineEnd
        }
        try put(chunkStart..<all.count)
    }

    /// The live file then the rotated ones, newest first, that exist on disk.
    public static func existingFiles(path: String, maxFiles: Int = 1000) -> [String] {
        var files: [String] = []
        var st = stat()
        if stat(path, &st) == 0 { files.append(path) }
        var i = 1
        while i < maxFiles, stat("\(path).\(i)", &st) == 0 {
            files.append("\(path).\(i)")
            i += 1
        }
        return files
    }
}

func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }
