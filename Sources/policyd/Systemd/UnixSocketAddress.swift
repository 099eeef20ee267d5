import Glibc

/// A filesystem `sockaddr_un`, shared by everything that binds or connects a unix socket (the
/// listener, the journal, stale-socket checks, the benchmarks), so the path copy and its length
/// check live in one place.
enum UnixSocketAddress {
    /// Calls `body` with the address of `path`; nil (body not called) when the path does not
    /// fit in `sun_path` with its terminating zero.
    static func with<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let fits = withUnsafeMutableBytes(of: &addr.sun_path) { dst -> Bool in
            let p = Array(path.utf8)
            guard p.count < dst.count else { return false }
            dst.copyBytes(from: p)
            dst[p.count] = 0
            return true
        }
        guard fits else { return nil }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
