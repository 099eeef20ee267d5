import Atomics
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Wire

/// The listening side: binds (or adopts the socket-activated fd), serves connections on our own
/// epoll loops (one thread each; `EpollLoop`, `Connection`), and drains on shutdown. Slow admin
/// ops run on `adminPool` (one thread: they are rare, and serialising them keeps a `test` from
/// competing with the loops for more than one core).
final class DecisionServer: Sendable {
    let loops: [EpollLoop]
    let adminPool: NIOThreadPool
    let responder: Responder
    let config: Configuration
    private let listener = NIOLockedValueBox<ListenerBox?>(nil)
    /// Loops that have not yet run their part of a drain.
    private let drainsPending = ManagedAtomic<Int>(0)

    /// The listener belongs to the first loop's thread; this box only carries it there.
    private final class ListenerBox: @unchecked Sendable {
        let listener: Listener
        init(_ l: Listener) { listener = l }
    }

    init(responder: Responder, config: Configuration, threads: Int) throws {
        self.responder = responder
        self.config = config
        adminPool = NIOThreadPool(numberOfThreads: 1)
        adminPool.start()
        let settings = ConnectionSettings(responder: responder, adminUIDs: config.adminUIDs,
                                          maxConnections: config.limits.maxConnections,
                                          maxFrameBytes: config.maxFrameBytes,
                                          idleTimeoutMs: config.limits.idleTimeoutMs, adminPool: adminPool,
                                          loopNice: config.loopNice)
        loops = try (0..<max(threads, 1)).map { try EpollLoop(index: $0, settings: settings) }
        for l in loops { l.start() }
    }

    enum Listen {
        case activated(fd: Int32)
        case path(String)
    }

    func start(_ listen: Listen) async throws {
        let fd: Int32
        switch listen {
        case .activated(let activated):
            fd = activated
        case .path(let path):
            try SocketPath.removeStale(path)
            fd = try Listener.bind(path: path)
            try SocketPath.applyPermissions(path, mode: config.socket.mode, group: config.socket.group)
        }
        let box = ListenerBox(try Listener(fd: fd, loops: loops))
        let ok: Bool = await withCheckedContinuation { c in
            if !loops[0].execute({ _ in c.resume(returning: box.listener.start()) }) { c.resume(returning: false) }
        }
        guard ok else { throw ServerError.io("epoll_ctl (listener)", EBADF) }
        listener.withLockedValue { $0 = box }
    }

    /// Stops accepting, lets every connection answer what it has read (an admin op in flight
    /// included), closes them, and waits (at most `timeout`) for them to finish.
    func drain(timeout: TimeAmount) async {
        let box = listener.withLockedValue { $0 }
        let loops = self.loops
        drainsPending.store(loops.count, ordering: .relaxed)
        let drains = drainsPending
        // From the first loop, after the listener stopped: connections it handed to other
        // loops are queued there before their drain task.
        let sent = loops[0].execute { _ in
            box?.listener.stop()
            for l in loops {
                if !l.execute({ $0.drainAll(); drains.wrappingDecrement(ordering: .relaxed) }) {
                    drains.wrappingDecrement(ordering: .relaxed)
                }
            }
        }
        if !sent { return }
        let deadline = NIODeadline.now() + timeout
        while NIODeadline.now() < deadline {
            if drains.load(ordering: .relaxed) == 0 && responder.counters.connections.load(ordering: .relaxed) <= 0 { return }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        for l in loops { l.execute { $0.closeAll() } }
    }

    /// Runs a no-op on every loop: proves the loops are responsive (for the watchdog).
    func loopsResponsive() async -> Bool {
        for loop in loops {
            let ok: Bool = await withCheckedContinuation { c in
                if !loop.execute({ _ in c.resume(returning: true) }) { c.resume(returning: false) }
            }
            if !ok { return false }
        }
        return true
    }

    /// The admin pool first: joining it lets a running op finish and deliver its answer while
    /// the loops still run; ops still queued are answered as not run. Then the loops stop.
    func shutdown() async {
        try? await adminPool.shutdownGracefully()
        for l in loops { l.stop() }
        let deadline = NIODeadline.now() + .seconds(1)
        while NIODeadline.now() < deadline, !loops.allSatisfy(\.hasExited) {
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
    }
}
