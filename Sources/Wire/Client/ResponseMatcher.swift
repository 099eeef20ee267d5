import NIOCore

/// One request on its way out, with the promise its response will complete.
struct PendingRequest {
    var body: ByteBuffer
    var promise: EventLoopPromise<ByteBuffer>
}

/// Matches responses to requests by order: the daemon answers each connection's requests in
/// the order they were sent, so a FIFO of promises is all the bookkeeping pipelining needs.
final class ResponseMatcher: ChannelDuplexHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<ByteBuffer>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(request.promise)
        context.write(wrapOutboundOut(request.body), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .frame(let body):
            guard let p = waiting.popFirst() else {
                context.close(promise: nil)
                return
            }
            p.succeed(body)
        case .invalidLength:
            failAll(PolicyClientError.badResponse("invalid frame length from server"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(PolicyClientError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(PolicyClientError.connectionClosed)
        context.close(promise: nil)
    }

    private func failAll(_ error: Error) {
        while let p = waiting.popFirst() { p.fail(error) }
    }
}

@available(*, unavailable)
extension ResponseMatcher: Sendable {}
