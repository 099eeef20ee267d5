import CSystemd
import Glibc

/// Listening sockets passed by systemd (LISTEN_FDS / LISTEN_PID / LISTEN_FDNAMES).
enum SocketActivation {
    struct Activated {
        var fd: Int32
        var name: String
    }

    enum Failure: Error, CustomStringConvertible {
        case notUnixStream(fd: Int32, name: String)
        case tooMany(Int)
        var description: String {
            switch self {
            case .notUnixStream(let fd, let name):
                return "socket-activated fd \(fd) (\(name)) is not a listening AF_UNIX stream socket"
            case .tooMany(let n): return "expected one activated socket, got \(n)"
            }
        }
    }

    /// The activated listening socket, or nil when this process was not socket-activated
    /// (LISTEN_PID must name this process). Any LISTEN_FDNAMES is accepted. The variables are
    /// unset so child processes do not inherit them.
    static func listeningSocket() throws(Failure) -> Activated? {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let n = sd_listen_fds_with_names(1, &names)
        defer {
            if let names {
                var i = 0
                while let p = names[i] { free(p); i += 1 }
                free(names)
            }
        }
        guard n > 0 else { return nil }
        guard n == 1 else { throw .tooMany(Int(n)) }
        let fd = SD_LISTEN_FDS_START
        let name = names?[0].map { String(cString: $0) } ?? "unknown"
        guard sd_is_socket_unix(fd, Int32(1) /* SOCK_STREAM */, 1, nil, 0) > 0 else {
            throw .notUnixStream(fd: fd, name: name)
        }
        return Activated(fd: fd, name: name)
    }
}
