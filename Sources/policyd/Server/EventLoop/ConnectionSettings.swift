import NIOPosix
import Wire

/// What every connection of a server shares: the responder and the limits from the config.
struct ConnectionSettings: Sendable {
    let responder: Responder
    let adminUIDs: [UInt32]
    let maxConnections: Int
    let maxFrameBytes: Int
    /// `limits.idle_timeout_ms` in ns (nil: connections never time out).
    let idleTimeoutNs: UInt64?
    /// Runs slow admin ops off the loops (nil: run them inline, as unit tests may).
    let adminPool: NIOThreadPool?
    /// Nice value each loop thread sets for itself at start (`loop_nice`; nil: unchanged).
    let loopNice: Int32?
    /// Peek requests of clients that wait for each answer (`Connection.consumeAt`); false reads
    /// every request plainly, as where the kernel refuses SO_PEEK_OFF (tests cover both).
    let peekRequests: Bool
    /// How long read bytes may stay queued on a quiet connection (`EpollLoop.consumeLater`);
    /// tests lengthen it to tell a consume at the tick from one at once.
    let consumeDelayNs: Int
    /// A peeking connection takes its request bytes off the socket in the same system call as
    /// the answer's send (`EpollLoop.sendConsuming`), where the kernel's preemption model makes
    /// that one wake-up of the client (`KernelPreemption`); tests force it either way.
    let consumeWithSend: Bool
    /// When one epoll batch answers several connections, their answers go out together in one
    /// io_uring submission at the end of the batch (`EpollLoop.flushDeferredSends`); false (or
    /// no io_uring) sends each connection's answers as its batch ends. Tests force it either way.
    let batchSends: Bool

    init(responder: Responder, adminUIDs: [UInt32] = [], maxConnections: Int = 1024,
         maxFrameBytes: Int = Frame.defaultMaxBytes, idleTimeoutMs: Int = 0, adminPool: NIOThreadPool? = nil,
         loopNice: Int? = nil, peekRequests: Bool = true, consumeDelayMs: Int = 10,
         consumeWithSend: Bool? = nil, batchSends: Bool = true)
    {
        self.responder = responder
        self.adminUIDs = adminUIDs
        self.maxConnections = maxConnections
        self.maxFrameBytes = maxFrameBytes
        idleTimeoutNs = idleTimeoutMs > 0 ? UInt64(idleTimeoutMs) * 1_000_000 : nil
        self.adminPool = adminPool
        self.loopNice = loopNice.map { Int32($0) }
        self.peekRequests = peekRequests
        consumeDelayNs = consumeDelayMs * 1_000_000
        self.consumeWithSend = consumeWithSend ?? KernelPreemption.sendConsumeIsAtomic
        self.batchSends = batchSends
    }
}
