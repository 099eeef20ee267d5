/// A frame on the policyd socket: a 4-byte unsigned big-endian length N, then N bytes of one
/// UTF-8 JSON object (docs/protocol.md).
public enum Frame {
    /// Default upper bound on N; the daemon's `max_frame_bytes` config overrides it.
    public static let defaultMaxBytes = 1 << 20
    public static let headerBytes = 4
}
