import Foundation
import Testing

@testable import policyd

/// The decision log file written with `O_DIRECT` (StagedAppend through RotatingLogFile): the
/// same bytes as buffered writes, whole lines only, and the file complete after `settle`.
@Suite struct DecisionLogDirectIOTests {
    func contents(_ path: String, maxFiles: Int) -> [UInt8] {
        var read: [UInt8] = []
        for f in RotatingLogFile.existingFiles(path: path, maxFiles: maxFiles).reversed() {
            read.append(contentsOf: FileManager.default.contents(atPath: f) ?? Data())
        }
        return read
    }

    /// Appends of every size around the block size, across rotations; settling mid-stream
    /// leaves the file holding exactly what was appended so far.
    @Test func keepsEveryByteAcrossBlocksAndRotations() throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let file = try RotatingLogFile(path: path, maxBytes: 256 << 10, maxFiles: 50, directIO: true)
        var all: [UInt8] = []
        var sizes = [1, 4095, 4096, 4097, 1, 8191, 12_289, 100_000, 3, 70_000]
        for i in 0..<400 { sizes.append(1 + (i * 7919) % 9000) }
        for (i, size) in sizes.enumerated() {
            // One appended chunk of whole lines, as the writer hands them over.
            var chunk = Array("{\"n\":\(i),\"pad\":\"".utf8)
            chunk += [UInt8](repeating: UInt8(ascii: "a") + UInt8(i % 26), count: max(0, size - chunk.count - 3))
            chunk += Array("\"}\n".utf8)
            try file.append(chunk)
            all.append(contentsOf: chunk)
            if i % 37 == 0 {
                try file.settle()
                let now = contents(path, maxFiles: 50)
                #expect(now == all, "after append \(i)")
            }
        }
        #expect(file.rotations > 3)
        file.close()
        #expect(contents(path, maxFiles: 50) == all)
    }

    /// A daemon restarting onto a log that ends mid-block rewrites that block with its first
    /// direct write: the earlier bytes stay as they were.
    @Test func appendsToAnExistingFileEndingMidBlock() throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let before = Array(String(repeating: "{\"old\":1}\n", count: 555).utf8)  // 5550 bytes
        FileManager.default.createFile(atPath: path, contents: Data(before))
        let file = try RotatingLogFile(path: path, maxBytes: 1 << 30, maxFiles: 2, directIO: true)
        var all = before
        for i in 0..<300 {
            let line = Array("{\"new\":\(i),\"pad\":\"\(String(repeating: "z", count: i * 13 % 700))\"}\n".utf8)
            try file.append(line)
            all += line
        }
        file.close()
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == all)
    }

    /// A log left ending inside a line (a daemon killed mid-batch) gets that line ended first:
    /// the torn entry stays alone on its line and every new entry is whole.
    @Test(arguments: [true, false]) func endsATornLastLineBeforeAppending(direct: Bool) throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let before = Array("{\"old\":1}\n{\"torn\":".utf8)
        FileManager.default.createFile(atPath: path, contents: Data(before))
        let file = try RotatingLogFile(path: path, maxBytes: 1 << 30, maxFiles: 2, directIO: direct)
        let line = Array("{\"new\":1}\n".utf8)
        try file.append(line)
        file.close()
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == before + Array("\n".utf8) + line)
    }

    /// tmpfs (which refuses `O_DIRECT` before Linux 6.6, takes it after): the same bytes.
    @Test func sameBytesOnTmpfs() throws {
        guard FileManager.default.fileExists(atPath: "/dev/shm") else { return }
        let path = "/dev/shm/policyd-direct-\(UUID().uuidString).jsonl"
        defer { for f in RotatingLogFile.existingFiles(path: path, maxFiles: 3) { unlink(f) } }
        let file = try RotatingLogFile(path: path, maxBytes: 1 << 20, maxFiles: 3, directIO: true)
        var all: [UInt8] = []
        for i in 0..<2_000 {
            let line = Array("{\"n\":\(i)}\n".utf8)
            try file.append(line)
            all += line
        }
        file.close()
        #expect(contents(path, maxFiles: 3) == all)
    }

    /// Through the writer: a flush returns with every line in the file (the held-back partial
    /// block settled), and close leaves them all there.
    @Test func writerFlushLeavesTheFileComplete() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 30, maxFiles: 2, directIO: true),
                                       capacity: 100_000)
        var all: [UInt8] = []
        for round in 0..<5 {
            var chunk: [UInt8] = []
            for i in 0..<(round * 50 + 3) { chunk += Array("{\"round\":\(round),\"i\":\(i)}\n".utf8) }
            #expect(writer.record(lines: chunk, count: round * 50 + 3, journal: []))
            all += chunk
            await writer.flush()
            #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == all)
        }
        await writer.close()
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == all)
        #expect(writer.stats.dropped == 0)
    }

    /// Without a flush, the held-back partial block reaches the file once the writer has had
    /// no lines for `settleDelay`: an idle log's file is complete soon after the last decision.
    @Test func idleWriterSettlesTheLastBlock() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 30, maxFiles: 2, directIO: true),
                                       capacity: 100_000)
        var chunk: [UInt8] = []
        for i in 0..<300 { chunk += Array("{\"i\":\(i),\"pad\":\"xxxxxxxxxx\"}\n".utf8) }  // ~9.6 KB: not whole blocks
        #expect(writer.record(lines: chunk, count: 300, journal: []))
        var complete = false
        for _ in 0..<200 where !complete {
            try await Task.sleep(for: .milliseconds(10))
            complete = FileManager.default.contents(atPath: path).map { [UInt8]($0) } == chunk
        }
        #expect(complete)
        await writer.close()
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == chunk)
    }

    /// Lines from several threads (connections) through the writer's staging blocks: every
    /// line in the files exactly once, whole, each thread's in the order it recorded them,
    /// across full blocks, batches, rotations (where the writer copies instead of taking the
    /// block) and one chunk larger than a block; flushes mid-stream leave the files complete.
    @Test(arguments: [true, false]) func linesFromManyThreadsKeepTheirOrderAcrossBlocksAndRotations(direct: Bool) async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 20, maxFiles: 100, directIO: direct),
                                       capacity: 1 << 22, maxQueuedBytes: 1 << 30)
        let threads = 4, chunks = 300
        let pad = String(repeating: "p", count: 700)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<threads {
                group.addTask {
                    var n = 0
                    for c in 0..<chunks {
                        // 1–9 lines per chunk; thread 0 sends one chunk of ~5 MB (more than a block).
                        let lines = t == 0 && c == 150 ? 12_000 : 1 + (c * 7 + t) % 9
                        var chunk: [UInt8] = []
                        for _ in 0..<lines {
                            chunk += Array("{\"t\":\(t),\"n\":\(n),\"pad\":\"\(pad.prefix((n * 31) % 700))\"}\n".utf8)
                            n += 1
                        }
                        #expect(writer.record(lines: chunk, count: lines, journal: []))
                        if c % 100 == 99 { await writer.flush() }
                    }
                }
            }
        }
        await writer.flush()
        let whole = contents(path, maxFiles: 100)
        await writer.close()
        #expect(contents(path, maxFiles: 100) == whole)
        #expect(writer.stats.dropped == 0 && writer.stats.writeErrors == 0)
        #expect(RotatingLogFile.existingFiles(path: path, maxFiles: 100).count > 3)
        for f in RotatingLogFile.existingFiles(path: path, maxFiles: 100) {
            #expect(FileManager.default.contents(atPath: f)?.last == UInt8(ascii: "\n"), "\(f) ends mid-line")
        }
        var next = [Int](repeating: 0, count: threads)
        var total = 0
        for line in whole.split(separator: UInt8(ascii: "\n")) {
            let o = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            let t = o["t"] as! Int, n = o["n"] as! Int
            #expect(n == next[t], "thread \(t): line \(n) after \(next[t] - 1)")
            next[t] = n + 1
            total += 1
        }
        #expect(UInt64(total) == writer.stats.written)
    }
}
