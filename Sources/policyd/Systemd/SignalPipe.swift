import Foundation
import Glibc

/// The write end of the signal pipe, read by the async-signal-safe handler.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

private func forwardSignal(_ sig: Int32) {
    var byte = UInt8(truncatingIfNeeded: sig)
    _ = write(signalPipeWriteFD, &byte, 1)
}

/// Signals as an async stream, with the handlers installed synchronously (sigaction + a
/// self-pipe), so no signal is lost or takes its default action between start-up and the
/// moment the daemon starts listening for it. (Dispatch signal sources register
/// asynchronously and need SIG_IGN first, which drops signals arriving in between.)
enum SignalPipe {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func install(_ signals: [Int32]) throws -> AsyncStream<Int32> {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        signalPipeWriteFD = fds[1]
        for s in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(s, &action, nil)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let readFD = fds[0]
        let reader = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(readFD, &byte, 1)
                if n == 1 { continuation.yield(Int32(byte)) } else if n < 0 && errno == EINTR { continue } else { break }
            }
            continuation.finish()
        }
        reader.name = "policyd-signals"
        reader.start()
        return stream
    }
}
