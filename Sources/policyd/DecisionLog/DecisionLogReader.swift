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
        var offset: UInt64 = 0
        var inode: UInt64 = 0
        if let st = try? FileManager.default.attributesOfItem(atPath: path) {
            offset = (st[.size] as? UInt64) ?? 0
            inode = (st[.systemFileNumber] as? UInt64) ?? 0
        }
        var pending = Data()
        while true {
            if let st = try? FileManager.default.attributesOfItem(atPath: path) {
                let size = (st[.size] as? UInt64) ?? 0
                let ino = (st[.systemFileNumber] as? UInt64) ?? 0
                if ino != inode || size < offset {  // rotated or truncated: start the new file
                    inode = ino
                    offset = 0
                    pending.removeAll()
                }
                if size > offset, let h = FileHandle(forReadingAtPath: path) {
                    try? h.seek(toOffset: offset)
                    let chunk = h.readDataToEndOfFile()
                    try? h.close()
                    offset += UInt64(chunk.count)
                    pending.append(chunk)
                    while let nl = pending.firstIndex(of: 0x0A) {
                        let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                        pending.removeSubrange(pending.startIndex...nl)
                        if !emit(line) { return }
                    }
                }
            }
            usleep(pollMs * 1000)
        }
    }
}
