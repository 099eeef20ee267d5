/// One Rego source text as UTF-8 bytes, with line starts so byte offsets map to the 1-based
/// row/column `SourceLocation`s every AST node carries. Columns count bytes, as OPA's do.
public struct Source: Sendable {
    public let file: String
    public let bytes: [UInt8]
    /// Byte offset of the first byte of each line.
    public let lineStarts: [Int]

    public init(file: String, text: String) {
        self.file = file
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// The location of byte `offset` (rows and columns start at 1).
    public func location(at offset: Int) -> SourceLocation {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return SourceLocation(file: file, row: lo + 1, col: offset - lineStarts[lo] + 1)
    }

    /// The byte offset of a location in this source.
    public func offset(of loc: SourceLocation) -> Int {
        guard loc.row >= 1, loc.row <= lineStarts.count else { return bytes.count }
        return min(bytes.count, lineStarts[loc.row - 1] + loc.col - 1)
    }

    /// Source text between two byte offsets.
    public func text(from start: Int, to end: Int) -> String {
        let s = max(0, min(start, bytes.count)), e = max(s, min(end, bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }

    /// The whole line `row` (1-based), without its newline.
    public func line(_ row: Int) -> String {
        guard row >= 1, row <= lineStarts.count else { return "" }
        let start = lineStarts[row - 1]
        var end = row < lineStarts.count ? lineStarts[row] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return text(from: start, to: max(start, end))
    }
}
