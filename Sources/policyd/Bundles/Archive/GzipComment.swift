import Glibc

/// Reads the FCOMMENT field of a gzip file's header (RFC 1952 §2.3) without inflating anything:
/// the header is stored uncompressed at the start of the file. `TarWriter.gzip(comment:)`
/// writes it.
enum GzipComment {
    /// Longest comment read (the history's entries are a few hundred bytes).
    static let maxBytes = 64 << 10

    /// The comment of the gzip file at `path`, nil when there is none or the file is not gzip.
    static func read(path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 4096)
        var have = 0
        // Pulls more of the file until `count` bytes are in `head` (false at its end).
        func need(_ count: Int) -> Bool {
            guard count <= maxBytes + 1024 else { return false }
            while have < count {
                if head.count < count { head += [UInt8](repeating: 0, count: max(count, head.count * 2) - head.count) }
                let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + have, $0.count - have, off_t(have)) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                have += n
            }
            return true
        }
        guard need(10), head[0] == 0x1f, head[1] == 0x8b, head[2] == 8 else { return nil }
        let flags = head[3]
        var at = 10
        if flags & 0x04 != 0 {  // FEXTRA: 2-byte little-endian length, then the field
            guard need(at + 2) else { return nil }
            at += 2 + (Int(head[at]) | (Int(head[at + 1]) << 8))
        }
        // FNAME then FCOMMENT, each zero-terminated.
        func zeroTerminated() -> [UInt8]? {
            let start = at
            while true {
                guard need(at + 1) else { return nil }
                if head[at] == 0 { break }
                at += 1
                guard at - start <= maxBytes else { return nil }
            }
            defer { at += 1 }
            return Array(head[start..<at])
        }
        if flags & 0x08 != 0, zeroTerminated() == nil { return nil }
        guard flags & 0x10 != 0 else { return nil }
        return zeroTerminated()
    }
}
