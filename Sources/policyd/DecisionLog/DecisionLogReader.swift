import Engine
import Foundation

/// Reads a decision log back: the live file and its rotated predecessors (`path.1`, `path.2`, …).
public struct DecisionLogReader {
    public let path: String

    public init(path: String) { self.path = path }

    /// Files oldest first (`path.N` … `path.1`, `path`).
    public var filesOldestFirst: [String] { RotatingLogFile.existingFiles(path: path).reversed() }

    /// The raw JSON line of decision `id`, searching newest files first.
    public func line(for id: String) throws -> String? {
        let needle = "\"decision_id\":\"\(id)\""
        for file in filesOldestFirst.reversed() {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            guard text.contains(needle) else { continue }
            for l in text.split(separator: "\n") where l.contains(needle) { return String(l) }
        }
        return nil
    }

    /// The last `n` entries across all files, oldest first (n = nil: all of them).
    public func lastLines(_ n: Int?) throws -> [String] {
        var out: [String] = []
        for file in filesOldestFirst.reversed() {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            out.insert(contentsOf: lines, at: 0)
            if let n, out.count >= n { return Array(out.suffix(n)) }
        }
        return out
    }

    /// Last `n` parsed records, oldest first; unparsable lines are skipped and counted.
    public func lastRecords(_ n: Int?) throws -> (records: [DecisionRecord], skipped: Int) {
        var skipped = 0
        var records: [DecisionRecord] = []
        for l in try lastLines(n) {
            if let r = try? DecisionRecord(json: l) { records.append(r) } else { skipped += 1 }
        }
        return (records, skipped)
    }

    /// Calls `emit` with every complete line appended to the live file from now on, following
    /// rotation (the file replaced or truncated), until `emit` returns false.
    public func follow(pollMs: UInt32 = 200, _ emit: (String) -> Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { lseek(fd, 0, SEEK_END) }
        follow(fd, pending: [], pollMs: pollMs, emit)
    }

    /// `tail -n N [-f]`: the last `n` entries, then (when `follow`) every entry written after
    /// them. The live file is opened once and read through the same descriptor, so nothing
    /// written between printing the last entries and following is skipped.
    public func tail(last n: Int, follow: Bool, pollMs: UInt32 = 200, _ emit: (String) -> Bool) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        var pending: [UInt8] = []
        if fd >= 0 { Self.readAvailable(fd, into: &pending) }
        var lines = Self.takeLines(&pending).filter { !$0.isEmpty }
        // Older entries from the rotated files when the live one has fewer than n.
        for file in filesOldestFirst.reversed() where file != path && lines.count < n {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            lines.insert(contentsOf: text.split(separator: "\n").map(String.init), at: 0)
        }
        for l in lines.suffix(max(n, 0)) where !emit(l) {
            if fd >= 0 { close(fd) }
            return
        }
        guard follow else {
            if fd >= 0 { close(fd) }
            return
        }
        self.follow(fd, pending: pending, pollMs: pollMs, emit)
    }

    /// The descriptor stays open between polls, so entries written to the file just before a
    /// rotation are still read (from the renamed file) before switching to the new live file.
    /// Plain read(2): it never blocks on a regular file.
    private func follow(_ startFd: Int32, pending startPending: [UInt8], pollMs: UInt32, _ emit: (String) -> Bool) {
        var fd = startFd
        var inode = fd >= 0 ? Self.inode(fd: fd) : 0
        var pending = startPending
        func drain() -> Bool {
            guard fd >= 0 else { return true }
            Self.readAvailable(fd, into: &pending)
            for line in Self.takeLines(&pending) where !emit(line) { return false }
            return true
        }
        defer { if fd >= 0 { close(fd) } }
        while true {
            if !drain() { return }
            var st = stat()
            if stat(path, &st) == 0 {
                let ino = UInt64(st.st_ino)
                if fd < 0 || ino != inode {
                    // Rotated (or created): finish the old file, then follow the new one from its start.
                    if !drain() { return }
                    if fd >= 0 { close(fd) }
                    fd = open(path, O_RDONLY | O_CLOEXEC)
                    inode = fd >= 0 ? Self.inode(fd: fd) : 0
                    pending.removeAll()
                    continue
                }
                if Int64(st.st_size) < Int64(lseek(fd, 0, SEEK_CUR)) {
                    // Truncated in place: start over.
                    lseek(fd, 0, SEEK_SET)
                    pending.removeAll()
                    continue
                }
            }
            usleep(pollMs * 1000)
        }
    }

    static func readAvailable(_ fd: Int32, into buffer: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]) } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }

    /// Removes and returns the complete lines at the front of `buffer`.
    static func takeLines(_ buffer: inout [UInt8]) -> [String] {
        var lines: [String] = []
        var start = 0
        for i in buffer.indices where buffer[i] == 0x0A {
            lines.append(String(decoding: buffer[start..<i], as: UTF8.self))
            start = i + 1
        }
        buffer.removeFirst(start)
        return lines
    }

    static func inode(fd: Int32) -> UInt64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? UInt64(st.st_ino) : 0
    }
}
