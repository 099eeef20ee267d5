import NIOCore

/// What the decoder produced from the byte stream.
public enum FrameEvent: Sendable, Equatable {
    /// A complete frame body (the JSON bytes, without the header).
    case frame(ByteBuffer)
    /// A header announced N = 0 or N > the maximum. The body is never read: the connection
    /// must be answered with one `frame_too_large`/`bad_request` error and closed.
    case invalidLength(UInt32)
}

/// Splits a byte stream into length-prefixed frames with a configurable maximum.
///
/// Unlike NIOExtras' LengthFieldBasedFrameDecoder (capped only at Int32.max) this one refuses a
/// frame as soon as its header is read, so a peer cannot make us buffer a huge body.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = FrameEvent

    enum State: Equatable {
        case waitingForHeader
        case waitingForBody(length: Int)
        /// An invalid header was seen; everything after it is ignored.
        case failed
    }

    public let maxBytes: Int
    private(set) var state: State = .waitingForHeader

    public init(maxBytes: Int = Frame.defaultMaxBytes) {
        self.maxBytes = maxBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let event = next(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(event))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A truncated trailing frame is dropped: the peer has gone, nobody can be answered.
        while let event = next(&buffer) { context.fireChannelRead(wrapInboundOut(event)) }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    /// The state machine, independent of any channel: consumes bytes from `buffer` and returns
    /// the next event, or nil when more bytes are needed.
    public mutating func next(_ buffer: inout ByteBuffer) -> FrameEvent? {
        switch state {
        case .failed:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return nil
        case .waitingForHeader:
            guard let length = buffer.readInteger(endianness: .big, as: UInt32.self) else { return nil }
            if length == 0 || Int(length) > maxBytes {
                state = .failed
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return .invalidLength(length)
            }
            state = .waitingForBody(length: Int(length))
            return next(&buffer)
        case .waitingForBody(let length):
            guard let body = buffer.readSlice(length: length) else { return nil }
            state = .waitingForHeader
            return .frame(body)
        }
    }
}

@available(*, unavailable)
extension FrameDecoder: Sendable {}
