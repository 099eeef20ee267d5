import Glibc

/// Reads a whole file named on the command line with plain `open`/`read`, so that pipes,
/// process substitution (`-i <(…)`, i.e. `/dev/fd/N`) and `-` for stdin work as they do for
/// `opa eval`; Foundation's file APIs refuse `/dev/fd` paths. Errors read like the shell's.
enum FileInput {
    struct ReadError: Error, CustomStringConvertible {
        let path: String
        let errno: Int32
        var description: String { "\(path): \(String(cString: strerror(errno)))" }
    }

    static func read(_ path: String) throws(ReadError) -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ReadError(path: path, errno: errno) }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, errno: errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}
