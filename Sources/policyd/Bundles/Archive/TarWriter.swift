import CZlib

/// Writes bundles the way `opa build` does: regular files named `/`+path, mode 0600, uid/gid 0,
/// mtime 0, no directory entries; names over 100 bytes get a PAX `path` record. Then gzip.
struct TarWriter {
    private(set) var bytes: [UInt8] = []

    mutating func add(name: String, contents: [UInt8]) {
        let stored = "/" + name
        if stored.utf8.count > 100 {
            let record = Self.paxRecord(key: "path", value: stored)
            appendHeader(name: "PaxHeaders/" + String(name.suffix(80)), size: record.count, type: UInt8(ascii: "x"))
            appendPadded(record)
        }
        appendHeader(name: stored, size: contents.count, type: UInt8(ascii: "0"))
        appendPadded(contents)
    }

    /// The archive: two zero blocks end it.
    mutating func finish() -> [UInt8] {
        bytes += [UInt8](repeating: 0, count: 1024)
        return bytes
    }

    private mutating func appendPadded(_ data: [UInt8]) {
        bytes += data
        bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    private mutating func appendHeader(name: String, size: Int, type: UInt8) {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: [UInt8], at offset: Int, width: Int) {
            for (i, b) in s.prefix(width).enumerated() { h[offset + i] = b }
        }
        func octal(_ v: Int, width: Int) -> [UInt8] {
            let digits = String(v, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8)
        }
        put(Array(name.utf8), at: 0, width: 100)
        put(octal(0o600, width: 8), at: 100, width: 7)
        put(octal(0, width: 8), at: 108, width: 7)
        put(octal(0, width: 8), at: 116, width: 7)
        put(octal(size, width: 12), at: 124, width: 11)
        put(octal(0, width: 12), at: 136, width: 11)
        h[156] = type
        put(Array("ustar\0".utf8), at: 257, width: 6)
        put(Array("00".utf8), at: 263, width: 2)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7), at: 148, width: 6)
        h[154] = 0
        h[155] = 0x20
        bytes += h
    }

    static func paxRecord(key: String, value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count != length { length += 1 }
        return Array((String(length) + body).utf8)
    }

    /// gzip (deflate, default level) of `data`.
    /// `level`: zlib's 0–9 (`Z_DEFAULT_COMPRESSION` is 6). `comment` goes into the gzip header's
    /// FCOMMENT field (stored uncompressed, so it can be read without inflating; gzip readers
    /// skip it); it must not contain a NUL byte.
    static func gzip(_ data: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION, comment: [UInt8]? = nil) -> [UInt8] {
        // Heap-allocated: zlib keeps a back-pointer to the stream, so it must not move.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard policyd_deflate_init_gzip(stream, level) == Z_OK else { return [] }
        defer { deflateEnd(stream) }
        // The header and its comment must stay put until deflate has written the header.
        let header = UnsafeMutablePointer<gz_header>.allocate(capacity: 1)
        header.initialize(to: gz_header())
        defer { header.deallocate() }
        var commentBytes: UnsafeMutableBufferPointer<UInt8>?
        defer { commentBytes?.deallocate() }
        if let comment {
            precondition(!comment.contains(0), "a gzip comment cannot hold NUL")
            let c = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: comment.count + 1)
            _ = c.initialize(from: comment)
            c[comment.count] = 0
            commentBytes = c
            header.pointee.comment = c.baseAddress
            header.pointee.os = 3  // Unix, as gzip(1) on Linux writes
            guard deflateSetHeader(stream, header) == Z_OK else { return [] }
        }
        var input = data
        var out = [UInt8](repeating: 0, count: Int(deflateBound(stream, UInt(data.count))) + 64 + (comment?.count ?? 0))
        let produced = input.withUnsafeMutableBufferPointer { inp -> Int in
            out.withUnsafeMutableBufferPointer { o -> Int in
                stream.pointee.next_in = inp.baseAddress
                stream.pointee.avail_in = UInt32(inp.count)
                stream.pointee.next_out = o.baseAddress
                stream.pointee.avail_out = UInt32(o.count)
                guard deflate(stream, Z_FINISH) == Z_STREAM_END else { return -1 }
                return o.count - Int(stream.pointee.avail_out)
            }
        }
        return produced < 0 ? [] : Array(out[0..<produced])
    }
}
