import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Wire

/// The listening side: binds (or adopts the socket-activated fd), accepts connections on a
/// multi-threaded event loop group, and drains on shutdown. Slow admin ops run on `adminPool`
/// (one thread: they are rare, and serialising them keeps a `test` from competing with the
/// event loops for more than one core).
final class DecisionServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let adminPool: NIOThreadPool
    let responder: Responder
    let config: Configuration
    private let listener = NIOLockedValueBox<(any Channel)?>(nil)
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    init(responder: Responder, config: Configuration, threads: Int) {
        self.responder = responder
        self.config = config
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        adminPool = NIOThreadPool(numberOfThreads: 1)
        adminPool.start()
    }

    enum Listen {
        case activated(fd: Int32)
        case path(String)
    }

    func start(_ listen: Listen) async throws {
        let maxFrame = config.maxFrameBytes
        let responder = self.responder
        let adminUIDs = config.adminUIDs
        let maxConnections = config.limits.maxConnections
        let idleTimeout: TimeAmount? = config.limits.idleTimeoutMs > 0 ? .milliseconds(Int64(config.limits.idleTimeoutMs)) : nil
        let adminPool = self.adminPool
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { [connections] channel in
                let id = ObjectIdentifier(channel)
                connections.withLockedValue { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in _ = connections.withLockedValue { $0.removeValue(forKey: id) } }
                return channel.eventLoop.makeCompletedFuture {
                    // One handler: framing, decision and response writing without per-frame
                    // pipeline messages (ConnectionHandler).
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionHandler(responder: responder, adminUIDs: adminUIDs, maxConnections: maxConnections,
                                          maxFrameBytes: maxFrame, idleTimeout: idleTimeout, adminPool: adminPool))
                }
            }
        let channel: any Channel
        switch listen {
        case .activated(let fd):
            channel = try await bootstrap.withBoundSocket(fd).get()
        case .path(let path):
            try SocketPath.removeStale(path)
            channel = try await bootstrap.bind(unixDomainSocketPath: path).get()
            try SocketPath.applyPermissions(path, mode: config.socket.mode, group: config.socket.group)
        }
        listener.withLockedValue { $0 = channel }
    }

    /// Stops accepting, lets every connection answer what it has read (an admin op in flight
    /// included), closes them, and waits (at most `timeout`) for them to finish.
    func drain(timeout: TimeAmount) async {
        if let l = listener.withLockedValue({ $0 }) { try? await l.close() }
        let open = connections.withLockedValue { Array($0.values) }
        for c in open { c.pipeline.fireUserInboundEventTriggered(DrainEvent()) }
        let deadline = NIODeadline.now() + timeout
        for c in open {
            let remaining = deadline - NIODeadline.now()
            if remaining <= .zero { c.close(promise: nil); continue }
            let timer = c.eventLoop.scheduleTask(in: remaining) { c.close(promise: nil) }
            try? await c.closeFuture.get()
            timer.cancel()
        }
    }

    /// Runs a no-op on every event loop: proves the loops are responsive (for the watchdog).
    func loopsResponsive() async -> Bool {
        for loop in group.makeIterator() {
            do { try await loop.submit {}.get() } catch { return false }
        }
        return true
    }

    /// The admin pool first: joining it lets a running op finish and deliver its answer while
    /// the event loops still run; ops still queued are failed (and answered as not run).
    func shutdown() async {
        try? await adminPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}
