import Logging
import NIOCore
import Wire

/// Sent through every connection's pipeline when the daemon drains for shutdown.
struct DrainEvent: Sendable {}

/// One client connection. Frames are answered synchronously on the connection's event loop in
/// the order they arrive, so pipelined requests get their responses in request order with no
/// bookkeeping; connections are spread over all event loops (all cores).
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundOut = ByteBuffer

    private let responder: Responder
    private let counters: ServerCounters
    private let adminUIDs: [UInt32]
    private let maxConnections: Int
    private var peer = PeerCredentials.unknown
    private var isAdmin = false
    private var closing = false
    private var counted = false

    init(responder: Responder, adminUIDs: [UInt32], maxConnections: Int) {
        self.responder = responder
        self.counters = responder.counters
        self.adminUIDs = adminUIDs
        self.maxConnections = maxConnections
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
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted { counters.connections.wrappingDecrement(ordering: .relaxed) }
        counted = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .frame(let body):
            let response = body.withUnsafeReadableBytes { responder.respond(to: $0, peer: peer, isAdmin: isAdmin) }
            send(context, response)
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

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    /// Stop reading while the peer is not reading its responses (bounded memory per connection).
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        if context.channel.isWritable { context.read() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent || (event as? ChannelEvent) == .inputClosed {
            // Requests already read have been answered (they run synchronously); send what is
            // queued, then close.
            closeAfterWrites(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A peer that vanished mid-response: only this connection is affected.
        context.close(promise: nil)
    }

    private func send(_ context: ChannelHandlerContext, _ json: [UInt8]) {
        var buf = context.channel.allocator.buffer(capacity: json.count + Frame.headerBytes)
        Frame.write(json, into: &buf)
        context.write(wrapOutboundOut(buf), promise: nil)
    }

    private func closeAfterWrites(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        let empty = context.channel.allocator.buffer(capacity: 0)
        let ctx = context
        context.writeAndFlush(wrapOutboundOut(empty)).assumeIsolated().whenComplete { _ in
            ctx.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension ConnectionHandler: Sendable {}
