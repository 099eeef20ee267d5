import Logging
import NIOCore
import NIOPosix
import Wire

/// Sent through every connection's pipeline when the daemon drains for shutdown.
struct DrainEvent: Sendable {}

/// One client connection, the only handler in its pipeline: it takes the bytes of each read,
/// splits them into frames in place and answers every complete frame synchronously on the
/// connection's event loop, in order, so pipelined requests get their responses in request
/// order; connections are spread over all event loops. No per-frame message goes through the
/// pipeline (no decoder handler, no boxed frame event, no slice per frame): a frame body is
/// handed to the responder as a pointer into the read buffer.
///
/// Slow admin ops (`reload`, `rollback`, `test`) run on the server's admin thread pool instead,
/// so they never stall the other connections sharing this loop. While one is in flight, the
/// bytes read after it on this connection stay in `pending` (and reading pauses), then are
/// answered in order once its response is written: per-connection order holds.
///
/// Responses to one read batch are appended to one outgoing buffer and written and flushed
/// once when the batch ends (one `write` per batch, no per-response buffer).
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
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
    /// Responses not yet handed to the channel (this read batch's), reused from batch to batch.
    private var out = ByteBuffer()
    /// Bytes arrived or responses were pending at this time (for the idle timeout).
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    /// Runs slow admin ops off the event loop (nil: run them inline, as unit tests do).
    private let adminPool: NIOThreadPool?
    /// A slow admin op of this connection is running on `adminPool`.
    private var adminBusy = false
    /// Bytes read but not answered yet: a partial frame, or frames behind a running admin op.
    private var pending: ByteBuffer?
    /// The largest frame body accepted (`max_frame_bytes`).
    private let maxFrameBytes: Int
    /// Drain or end of input arrived while `adminBusy`: close once everything read is answered.
    private var closeWhenIdle = false

    /// Beyond this many buffered response bytes, write before the read batch ends.
    private static let writeEarlyBytes = 64 * 1024

    init(responder: Responder, adminUIDs: [UInt32], maxConnections: Int, maxFrameBytes: Int = Frame.defaultMaxBytes,
         idleTimeout: TimeAmount? = nil, adminPool: NIOThreadPool? = nil)
    {
        self.responder = responder
        self.maxFrameBytes = maxFrameBytes
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
        var bytes = unwrapInboundIn(data)
        if var p = pending.take(), p.readableBytes > 0 {
            p.writeBuffer(&bytes)
            bytes = p
        }
        answer(context, &bytes)
        if bytes.readableBytes > 0 && !closing {
            // Keep the rest (partial frame, or frames behind an admin op), compacted when the
            // consumed prefix is large.
            if bytes.readerIndex > 64 * 1024 { bytes.discardReadBytes() }
            pending = bytes
        }
    }

    /// Answers the complete frames at the start of `bytes` (in place, one after the other) and
    /// consumes them; stops at a partial frame, an admin op handed to the pool, or a bad header.
    private func answer(_ context: ChannelHandlerContext, _ bytes: inout ByteBuffer) {
        while !adminBusy, !closing, bytes.readableBytes >= Frame.headerBytes {
            let consumed = bytes.withUnsafeReadableBytes { raw -> Int in
                var off = 0
                while !adminBusy, !closing, raw.count - off >= Frame.headerBytes {
                    let length = Int(raw.loadUnaligned(fromByteOffset: off, as: UInt32.self).bigEndian)
                    if length == 0 || length > maxFrameBytes {
                        refuseFrame(context, length: length)
                        return raw.count
                    }
                    guard raw.count - off - Frame.headerBytes >= length else { break }
                    let body = UnsafeRawBufferPointer(rebasing: raw[(off + Frame.headerBytes)..<(off + Frame.headerBytes + length)])
                    off += Frame.headerBytes + length
                    process(context, body)
                }
                return off
            }
            bytes.moveReaderIndex(forwardBy: consumed)
            if consumed == 0 { break }
        }
        if closing { bytes.moveReaderIndex(to: bytes.writerIndex) }
    }

    /// Answers one frame body (or starts its admin op on the pool).
    private func process(_ context: ChannelHandlerContext, _ body: UnsafeRawBufferPointer) {
        if let adminPool {
            if let slow = responder.respondOrDefer(to: body, peer: peer, isAdmin: isAdmin, into: &out, state: &state) {
                return startAdmin(context, slow, pool: adminPool)
            }
        } else {
            responder.respond(to: body, peer: peer, isAdmin: isAdmin, into: &out, state: &state)
        }
        if out.readableBytes >= Self.writeEarlyBytes { writeOut(context) }
    }

    /// A header announced length 0 or more than `max_frame_bytes`: the body is never read; the
    /// connection gets one error and is closed.
    private func refuseFrame(_ context: ChannelHandlerContext, length n: Int) {
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

    /// Sends the answers so far, pauses reading, and runs `op` on the pool; its answer is written
    /// on this loop, then the frames that waited behind it are answered.
    private func startAdmin(_ context: ChannelHandlerContext, _ op: Responder.DeferredOp, pool: NIOThreadPool) {
        adminBusy = true
        writeOut(context)
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
                pending = nil
                return
            }
            Frame.write(response, into: &out)
            resumeAfterAdmin(ctx)
        }
    }

    /// Answers the frames that waited behind an admin op (until the next admin op, if any).
    private func resumeAfterAdmin(_ context: ChannelHandlerContext) {
        if var rest = pending.take() {
            answer(context, &rest)
            if rest.readableBytes > 0 && !closing { pending = rest }
        }
        writeOut(context)
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

    /// Writes and flushes the buffered responses (one `write` for all of them). The buffer is
    /// reused: it is cleared after the flush, when NIO has written it and released it, so the
    /// clear does not allocate (clearing before the flush did: the pending write still held it).
    private func writeOut(_ context: ChannelHandlerContext) {
        guard out.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
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
            if buffered == 0 && out.readableBytes == 0 && !adminBusy {
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
