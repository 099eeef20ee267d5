import Foundation

/// The socket floor's server side, as uds_floor.c's server does it: read whatever is available
/// (up to 64 KiB), answer every complete frame with a fixed ~60-byte decision, one write(2) for
/// all answers; no other work. `policyd bench socket` against it measures the load generator's
/// own overhead (compare with uds_floor's numbers).
enum FloorServer {
    static let answer: [UInt8] = {
        let body = Array("{\"id\":1,\"decision\":\"allow\",\"reasons\":[],\"eval_ns\":1000}".utf8)
        let n = UInt32(body.count)
        return [0, 0, UInt8(n >> 8), UInt8(n & 0xff)] + body
    }()

    /// Serves forever (until killed) on `path`; one thread per connection.
    static func serve(path: String) throws -> Never {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketLoadError.io("socket", errno) }
        let rc = UnixSocketAddress.with(path, { bind(fd, $0, $1) }) ?? -1
        guard rc == 0, listen(fd, 128) == 0 else { throw SocketLoadError.io("bind/listen \(path)", errno) }
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { continue }
            let t = Thread { serveConnection(c) }
            t.start()
        }
    }

    static func serveConnection(_ fd: Int32) {
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var out = [UInt8]()
        var have = 0
        defer { close(fd) }
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + have, $0.count - have) }
            if n <= 0 { return }
            have += n
            var off = 0
            out.removeAll(keepingCapacity: true)
            while have - off >= 4 {
                let len = Int(buf[off]) << 24 | Int(buf[off + 1]) << 16 | Int(buf[off + 2]) << 8 | Int(buf[off + 3])
                guard have - off - 4 >= len else { break }
                off += 4 + len
                out += answer
            }
            if off > 0 {
                buf.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + off, have - off) }
                have -= off
            }
            if have == buf.count { buf += [UInt8](repeating: 0, count: buf.count) }
            var w = 0
            while w < out.count {
                let m = out.withUnsafeBytes { write(fd, $0.baseAddress! + w, $0.count - w) }
                if m <= 0 { return }
                w += m
            }
        }
    }
}
