import NIOCore

/// A frame on the policyd socket: a 4-byte unsigned big-endian length N, then N bytes of one
/// UTF-8 JSON object (docs/protocol.md).
public enum Frame {
    /// Default upper bound on N; the daemon's `max_frame_bytes` config overrides it.
    public static let defaultMaxBytes = 1 << 20
    public static let headerBytes = 4

    /// Appends one frame (header + body) to `buffer`.
    public static func write(_ body: some Collection<UInt8>, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(body.count), endianness: .big)
        buffer.writeBytes(body)
    }

    /// One frame as a fresh buffer.
    public static func encode(_ body: some Collection<UInt8>, allocator: ByteBufferAllocator = ByteBufferAllocator())
        -> ByteBuffer
    {
        var buffer = allocator.buffer(capacity: headerBytes + body.count)
        write(body, into: &buffer)
        return buffer
    }
}
