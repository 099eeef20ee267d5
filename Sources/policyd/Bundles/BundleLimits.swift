/// Caps applied while a bundle is read, before anything in it is parsed. A bundle that exceeds
/// one is refused whole. Uncompressed bytes are counted as they are inflated, so a gzip bomb
/// stops at `maxUncompressedBytes` rather than at the size its headers claim.
struct BundleLimits: Sendable, Equatable {
    /// Size of the .tar.gz file itself.
    var maxCompressedBytes: Int = 32 << 20
    /// Every byte inflated from the archive (tar headers included), or read from a directory.
    var maxUncompressedBytes: Int = 128 << 20
    /// Regular files in the bundle.
    var maxFiles: Int = 10_000
    /// One file's size.
    var maxFileBytes: Int = 64 << 20
    /// Length of one member path in bytes.
    var maxPathLength: Int = 1_024

    static let `default` = BundleLimits()
}
