import Foundation

/// The connecting process, from SO_PEERCRED at accept time (connect-time credentials; the pid
/// is informational only).
struct PeerCredentials: Sendable, Equatable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32

    static let unknown = PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)

    /// Layout of Linux `struct ucred` (Glibc hides it behind _GNU_SOURCE).
    struct UCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// Reads SO_PEERCRED from a connected unix socket.
    static func read(fd: Int32) -> PeerCredentials {
        var cred = UCred()
        var len = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 else { return .unknown }
        return PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid)
    }
}
