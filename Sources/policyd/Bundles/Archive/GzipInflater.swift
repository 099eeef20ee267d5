import CZlib

/// Streaming gzip decoder over an in-memory compressed file. Bytes come out on demand, so a tar
/// reader on top pulls only what it needs, and every inflated byte is counted against `limit`:
/// a gzip bomb fails at the limit instead of filling memory. Concatenated gzip members are
/// decoded in sequence, as Go's reader (and so OPA) does.
final class GzipInflater {
    /// Heap-allocated: zlib keeps a back-pointer to the stream, so its address must never move.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var output = [UInt8](repeating: 0, count: 64 << 10)
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var finished = false
    private(set) var totalOut = 0
    let limit: Int

    private var zlibReady = false

    init(compressed: [UInt8], limit: Int) throws(BundleError) {
        self.limit = limit
        stream.initialize(to: z_stream())
        input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(compressed.count, 1))
        _ = input.initialize(from: compressed)
        // From here on a throw still runs deinit, which releases what was allocated above.
        guard compressed.count >= 2, compressed[0] == 0x1f, compressed[1] == 0x8b else {
            throw BundleError(.archive, .badArchive, "not a gzip file")
        }
        stream.pointee.next_in = input.baseAddress
        stream.pointee.avail_in = UInt32(compressed.count)
        guard policyd_inflate_init_gzip(stream) == Z_OK else {
            throw BundleError(.archive, .badArchive, "cannot initialise gzip decoder")
        }
        zlibReady = true
    }

    deinit {
        if zlibReady { inflateEnd(stream) }
        input.deallocate()
        stream.deallocate()
    }

    /// Up to `count` bytes; fewer only at the end of the stream.
    func read(_ count: Int) throws(BundleError) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(count, 1 << 20))
        while result.count < count {
            if pendingOffset < pending.count {
                let take = min(count - result.count, pending.count - pendingOffset)
                result.append(contentsOf: pending[pendingOffset..<(pendingOffset + take)])
                pendingOffset += take
                continue
            }
            if finished { break }
            try refill()
        }
        return result
    }

    /// Discards `count` bytes (file contents the reader does not keep).
    func skip(_ count: Int) throws(BundleError) {
        var left = count
        while left > 0 {
            if pendingOffset < pending.count {
                let take = min(left, pending.count - pendingOffset)
                pendingOffset += take
                left -= take
                continue
            }
            if finished { return }
            try refill()
        }
    }

    private func refill() throws(BundleError) {
        let produced: Int
        var status: Int32 = Z_OK
        produced = output.withUnsafeMutableBufferPointer { out -> Int in
            stream.pointee.next_out = out.baseAddress
            stream.pointee.avail_out = UInt32(out.count)
            status = inflate(stream, Z_NO_FLUSH)
            return out.count - Int(stream.pointee.avail_out)
        }
        switch status {
        case Z_OK:
            if produced == 0 && stream.pointee.avail_in == 0 {
                throw BundleError(.archive, .badArchive, "gzip stream is truncated")
            }
        case Z_STREAM_END:
            // Another gzip member may follow (trailing zero padding is tolerated).
            let rest = Int(stream.pointee.avail_in)
            if rest > 0, let next = stream.pointee.next_in, next[0] == 0x1f {
                inflateReset(stream)
            } else {
                finished = true
            }
        case Z_BUF_ERROR where produced == 0:
            throw BundleError(.archive, .badArchive, "gzip stream is truncated")
        case Z_BUF_ERROR:
            break
        default:
            let detail = stream.pointee.msg.map { String(cString: $0) } ?? "code \(status)"
            throw BundleError(.archive, .badArchive, "gzip data is corrupt: \(detail)")
        }
        totalOut += produced
        if totalOut > limit {
            throw BundleError(.limits, .limitExceeded,
                              "bundle inflates to more than \(limit) bytes (max_uncompressed_bytes)")
        }
        pending = Array(output[0..<produced])
        pendingOffset = 0
    }
}
