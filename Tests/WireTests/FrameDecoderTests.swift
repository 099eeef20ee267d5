import NIOCore
import Testing
@testable import Wire

@Suite struct FrameDecoderTests {
    func frame(_ s: String) -> ByteBuffer { Frame.encode(Array(s.utf8)) }

    @Test func decodesFramesDrippedByteByByte() {
        var d = FrameDecoder(maxBytes: 100)
        var all = frame("{\"a\":1}")
        all.writeImmutableBuffer(frame("{}"))
        var events: [FrameEvent] = []
        var acc = ByteBuffer()
        while let b = all.readSlice(length: 1) {
            acc.writeImmutableBuffer(b)
            while let e = d.next(&acc) { events.append(e) }
        }
        #expect(events == [.frame(ByteBuffer(string: "{\"a\":1}")), .frame(ByteBuffer(string: "{}"))])
    }

    @Test func decodesManyFramesInOneBuffer() {
        var d = FrameDecoder()
        var buf = ByteBuffer()
        for i in 0..<50 { Frame.write(Array("{\"id\":\(i)}".utf8), into: &buf) }
        var n = 0
        while case .frame(let b)? = d.next(&buf) {
            #expect(String(buffer: b) == "{\"id\":\(n)}")
            n += 1
        }
        #expect(n == 50)
        #expect(buf.readableBytes == 0)
    }

    @Test func zeroLengthIsRejectedAndLaterBytesIgnored() {
        var d = FrameDecoder()
        var buf = ByteBuffer(bytes: [0, 0, 0, 0])
        buf.writeImmutableBuffer(frame("{}"))
        #expect(d.next(&buf) == .invalidLength(0))
        #expect(d.next(&buf) == nil)
        #expect(d.state == .failed)
    }

    @Test func oversizedLengthIsRejectedBeforeTheBodyArrives() {
        var d = FrameDecoder(maxBytes: 1024)
        var buf = ByteBuffer(bytes: [0, 0, 0x04, 0x01])  // 1025
        #expect(d.next(&buf) == .invalidLength(1025))
        var exact = ByteBuffer(bytes: [0, 0, 0x04, 0x00])  // 1024 is allowed
        var d2 = FrameDecoder(maxBytes: 1024)
        #expect(d2.next(&exact) == nil)
        #expect(d2.state == .waitingForBody(length: 1024))
    }

    @Test func truncatedFrameWaitsForMore() {
        var d = FrameDecoder()
        var buf = ByteBuffer(bytes: [0, 0, 0, 10, 0x7b])
        #expect(d.next(&buf) == nil)
        #expect(d.state == .waitingForBody(length: 10))
    }

    @Test func encoderPrefixesBigEndianLength() throws {
        let buf = Frame.encode(Array("{\"op\":\"health\"}".utf8))
        #expect(Array(buf.readableBytesView.prefix(4)) == [0, 0, 0, 0x0f])
        #expect(buf.readableBytes == 19)
    }
}
