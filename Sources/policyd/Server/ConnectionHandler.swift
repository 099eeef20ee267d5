import Logging
import NIOCore
import NIOPosix
import Wire

/// Sent through every connection's pipeline when the daemon drains for shutdown.
struct DrainEvent: Sendable {}

/// One client connection. Frames are answered synchronously on the connection's event loop in
/// the order they arrive, so pipelined requests get their responses in request order; connections
/// are spread over all event loops (all cores).
///
/// Slow admin ops (`reload`, `rollback`, `test`) run on the server's admin thread pool instead,
/// so they never stall the other connections sharing this loop. While one is in flight, frames
/// that arrive after it on this connection wait in `waiting` (and reading pauses), then are
/// answered in order once its response is written: per-connection order holds.
///
/// Responses to one read batch are appended to one outgoing buffer and written and flushed
/// once when the batch ends (one `writev` per batch, no per-response buffer).
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundOut = ByteBuffer

    private let responder: Responder
    private let counters: ServerCounters
    private let adminUIDs: [UInt32]
    private let maxConnections: Int
    private let idleTimeout: TimeAmount?
    private var peer = PeerCredentials.unknown
    private var isAdmin = false
    private var closing = false
    private var counted = false
    private var state = ConnectionState()
    /// Responses not yet handed to the channel (this read batch's).
    private var out = ByteBuffer()
    /// Bytes arrived or responses were pending at this time (for the idle timeout).
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    /// Runs slow admin ops off the event loop (nil: run them inline, as unit tests do).
    private let adminPool: NIOThreadPool?
    /// A slow admin op of this connection is running on `adminPool`.
    private var adminBusy = false
    /// Frames read while `adminBusy`, answered in order after it.
    private var waiting = CircularBuffer<FrameEvent>()
    /// Drain or end of input arrived while `adminBusy`: close once everything read is answered.
    private var closeWhenIdle = false

    /// Beyond this many buffered response bytes, write before the read batch ends.
    private static let writeEarlyBytes = 64 * 1024

    init(responder: Responder, adminUIDs: [UInt32], maxConnections: Int, idleTimeout: TimeAmount? = nil,
         adminPool: NIOThreadPool? = nil)
    {
        self.responder = responder
        self.adminPool = adminPool
        self.counters = responder.counters
        self.adminUIDs = adminUIDs
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout.flatMap { $0 > .zero ? $0 : nil }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        out = context.channel.allocator.buffer(capacity: 1024)
    }

    func channelActive(context: ChannelHandlerContext) {
        let live = counters.connections.wrappingIncrementThenLoad(ordering: .relaxed)
        counted = true
        counters.connectionsTotal.wrappingIncrement(ordering: .relaxed)
        PeerCredentials.read(from: context.channel).assumeIsolated().whenSuccess { [self] p in
            peer = p
            isAdmin = p.uid == 0 || adminUIDs.contains(p.uid)
        }
        if live > maxConnections {
            counters.rejectedConnections.wrappingIncrement(ordering: .relaxed)
            send(context, ResponseWriter.error(id: nil, code: WireErrorCode.overloaded.rawValue,
                                               message: "too many connections (limit \(maxConnections))"))
            closeAfterWrites(context)
        } else if let idleTimeout {
            lastActivity = .now()
            scheduleIdleCheck(context, at: lastActivity + idleTimeout)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        responder.flushDecisions(&state)
        if counted { counters.connections.wrappingDecrement(ordering: .relaxed) }
        counted = false
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, !closeWhenIdle else { return }
        let event = unwrapInboundIn(data)
        if adminBusy {
            waiting.append(event)
            return
        }
        process(context, event)
    }

    /// Answers one frame (or starts its admin op on the pool).
    private func process(_ context: ChannelHandlerContext, _ event: FrameEvent) {
        switch event {
        case .frame(let body):
            if let adminPool {
                let slow = body.withUnsafeReadableBytes {
                    responder.respondOrDefer(to: $0, peer: peer, isAdmin: isAdmin, into: &out, state: &state)
                }
                if let slow { return startAdmin(context, slow, pool: adminPool) }
            } else {
                body.withUnsafeReadableBytes {
                    responder.respond(to: $0, peer: peer, isAdmin: isAdmin, into: &out, state: &state)
                }
            }
            if out.readableBytes >= Self.writeEarlyBytes { writeOut(context) }
        case .invalidLength(let n):
            counters.protocolErrors.wrappingIncrement(ordering: .relaxed)
            let (code, message) = n == 0
                ? (WireErrorCode.badRequest, "empty frame (length 0)")
                : (WireErrorCode.frameTooLarge, "frame of \(n) bytes exceeds max_frame_bytes")
            responder.logger.event(.protocolError, .info, "closing connection: \(message)",
                                   ["POLICYD_ERROR": .string(code.rawValue), "POLICYD_PEER_PID": "\(peer.pid)",
                                    "POLICYD_PEER_UID": "\(peer.uid)"])
            send(context, ResponseWriter.error(id: nil, code: code.rawValue, message: message))
            closeAfterWrites(context)
        }
    }

    /// Sends the answers so far, pauses reading, and runs `op` on the pool; its answer is written
    /// on this loop, then the frames that waited behind it are answered.
    private func startAdmin(_ context: ChannelHandlerContext, _ op: Responder.DeferredOp, pool: NIOThreadPool) {
        adminBusy = true
        writeOut(context)
        context.flush()
        updateAutoRead(context)
        let ctx = context
        pool.runIfActive(eventLoop: context.eventLoop, op.run).assumeIsolated().whenComplete { [self] result in
            adminBusy = false
            let response: [UInt8]
            switch result {
            case .success(let bytes): response = bytes
            case .failure:  // the pool stopped before running it (shutdown)
                response = ResponseWriter.error(id: op.id, code: WireErrorCode.overloaded.rawValue,
                                                message: "policyd is shutting down; admin op not run")
            }
            guard ctx.channel.isActive, !closing else {
                waiting.removeAll()
                return
            }
            Frame.write(response, into: &out)
            resumeAfterAdmin(ctx)
        }
    }

    /// Answers the frames that waited behind an admin op (until the next admin op, if any).
    private func resumeAfterAdmin(_ context: ChannelHandlerContext) {
        while !adminBusy, !closing, let next = waiting.popFirst() {
            process(context, next)
        }
        writeOut(context)
        context.flush()
        responder.flushDecisions(&state)
        if idleTimeout != nil { lastActivity = .now() }
        guard !adminBusy, !closing else { return }
        if closeWhenIdle {
            closeAfterWrites(context)
        } else {
            updateAutoRead(context)
        }
    }

    /// Reads while the peer reads its answers and no admin op holds the connection's order.
    private func updateAutoRead(_ context: ChannelHandlerContext) {
        let on = context.channel.isWritable && !adminBusy
        context.channel.setOption(ChannelOptions.autoRead, value: on).whenFailure { _ in }
        if on { context.read() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if idleTimeout != nil { lastActivity = .now() }
        writeOut(context)
        context.flush()
        responder.flushDecisions(&state)
        context.fireChannelReadComplete()
    }

    /// Stop reading while the peer is not reading its responses (bounded memory per connection).
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        updateAutoRead(context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent || (event as? ChannelEvent) == .inputClosed {
            // Requests already read have been answered (they run synchronously), unless an admin
            // op is in flight: then it and the frames behind it are answered first. Send what
            // is queued, then close.
            if adminBusy { closeWhenIdle = true } else { closeAfterWrites(context) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A peer that vanished mid-response: only this connection is affected.
        context.close(promise: nil)
    }

    /// Hands the buffered responses to the channel (flushed by the caller or at batch end).
    /// The buffer is reused: once NIO has written it, it is ours alone again.
    private func writeOut(_ context: ChannelHandlerContext) {
        guard out.readableBytes > 0 else { return }
        context.write(wrapOutboundOut(out), promise: nil)
        // Reuse the buffer unless a huge response grew it (then start small again).
        if out.capacity > Self.writeEarlyBytes * 2 {
            out = context.channel.allocator.buffer(capacity: 1024)
        } else {
            out.clear()
        }
    }

    private func send(_ context: ChannelHandlerContext, _ json: [UInt8]) {
        Frame.write(json, into: &out)
    }

    private func closeAfterWrites(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        idleCheck?.cancel()
        idleCheck = nil
        writeOut(context)
        responder.flushDecisions(&state)
        let empty = context.channel.allocator.buffer(capacity: 0)
        let ctx = context
        context.writeAndFlush(wrapOutboundOut(empty)).assumeIsolated().whenComplete { _ in
            ctx.close(promise: nil)
        }
    }

    // MARK: idle timeout

    private func scheduleIdleCheck(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let ctx = context
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            checkIdle(ctx)
        }
    }

    /// Closes the connection when nothing arrived for `idleTimeout` and no response is still
    /// waiting to be written (a peer slow to read its answers has requests in flight: not idle).
    private func checkIdle(_ context: ChannelHandlerContext) {
        idleCheck = nil
        guard let idleTimeout, !closing, context.channel.isActive else { return }
        let now = NIODeadline.now()
        if now - lastActivity >= idleTimeout {
            let buffered = (try? context.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
            if buffered == 0 && out.readableBytes == 0 && !adminBusy && waiting.isEmpty {
                responder.logger.debug("closing connection idle for \(idleTimeout.nanoseconds / 1_000_000) ms",
                                       metadata: ["POLICYD_PEER_PID": "\(peer.pid)", "POLICYD_PEER_UID": "\(peer.uid)"])
                closing = true
                context.close(promise: nil)
                return
            }
            lastActivity = now
        }
        scheduleIdleCheck(context, at: lastActivity + idleTimeout)
    }
}

@available(*, unavailable)
extension ConnectionHandler: Sendable {}
