import Foundation
import Glibc

/// Binding the socket ourselves (development, or no systemd): stale-file handling and the
/// configured mode/group.
enum SocketPath {
    struct InUse: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is in use by a running process" }
    }

    /// Removes a socket file left by a dead process. A file some process still listens on is
    /// left alone and reported, so two daemons never steal each other's socket.
    static func removeStale(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw NSError(domain: "policyd", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(path) exists and is not a socket"])
        }
        if isListening(path) { throw InUse(path: path) }
        unlink(path)
    }

    static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(1) /* SOCK_STREAM */, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return UnixSocketAddress.with(path, { connect(fd, $0, $1) }) == 0
    }

    /// chmod + chgrp (group by name or numeric gid).
    static func applyPermissions(_ path: String, mode: UInt32, group: String?) throws {
        guard chmod(path, mode_t(mode)) == 0 else {
            throw NSError(domain: "policyd", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "chmod \(path): \(String(cString: strerror(errno)))"])
        }
        guard let group else { return }
        var gid: gid_t
        if let n = UInt32(group) { gid = n } else {
            guard let g = getgrnam(group) else {
                throw NSError(domain: "policyd", code: 1, userInfo: [NSLocalizedDescriptionKey: "unknown group \(group)"])
            }
            gid = g.pointee.gr_gid
        }
        guard chown(path, uid_t.max, gid) == 0 else {
            throw NSError(domain: "policyd", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "chgrp \(path): \(String(cString: strerror(errno)))"])
        }
    }
}
