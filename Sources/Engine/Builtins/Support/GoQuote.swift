/// Go's strconv.Quote / QuoteToASCII, for error messages and sprintf's %q.
enum GoQuote {
    static func quote(_ s: String, asciiOnly: Bool = false) -> String {
        var out = "\""
        for sc in s.unicodeScalars { appendEscaped(sc, quote: "\"", asciiOnly: asciiOnly, to: &out) }
        out.append("\"")
        return out
    }

    /// strconv.Quote of bytes that may not be UTF-8: each byte of an invalid sequence as `\xNN`.
    static func quote(bytes: [UInt8]) -> String {
        var out = "\""
        var it = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var pos = 0
        let digits = Array("0123456789abcdef".unicodeScalars)
        loop: while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let enc):
                appendEscaped(Unicode.UTF8.decode(enc), quote: "\"", asciiOnly: false, to: &out)
                pos += enc.count
            case .error(let length):
                for b in bytes[pos..<pos + length] {
                    out.append("\\x")
                    out.unicodeScalars.append(digits[Int(b >> 4)])
                    out.unicodeScalars.append(digits[Int(b & 0xF)])
                }
                pos += length
            case .emptyInput:
                break loop
            }
        }
        out.append("\"")
        return out
    }

    /// The time package's own quoting in its error texts: non-ASCII and control characters
    /// become `\xNN` per UTF-8 byte, `"` and `\` get a backslash.
    static func timeQuote<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = "\""
        let digits = Array("0123456789abcdef".unicodeScalars)
        for b in bytes {
            if b >= 0x80 || b < 0x20 {
                out.append("\\x")
                out.unicodeScalars.append(digits[Int(b >> 4)])
                out.unicodeScalars.append(digits[Int(b & 0xF)])
            } else {
                if b == 0x22 || b == 0x5C { out.append("\\") }
                out.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        out.append("\"")
        return out
    }

    /// Go's strconv.QuoteRune ('x').
    static func quoteRune(_ sc: Unicode.Scalar, asciiOnly: Bool = false) -> String {
        var out = "'"
        appendEscaped(sc, quote: "'", asciiOnly: asciiOnly, to: &out)
        out.append("'")
        return out
    }

    static func appendEscaped(_ sc: Unicode.Scalar, quote: Unicode.Scalar, asciiOnly: Bool, to out: inout String) {
        if sc == quote || sc == "\\" {
            out.append("\\"); out.unicodeScalars.append(sc); return
        }
        if asciiOnly ? (sc.isASCII && isPrint(sc)) : isPrint(sc) {
            out.unicodeScalars.append(sc); return
        }
        switch sc.value {
        case 0x07: out.append("\\a")
        case 0x08: out.append("\\b")
        case 0x0C: out.append("\\f")
        case 0x0A: out.append("\\n")
        case 0x0D: out.append("\\r")
        case 0x09: out.append("\\t")
        case 0x0B: out.append("\\v")
        default:
            let v = sc.value
            if v < 0x20 || v == 0x7F {
                out.append("\\x" + hex(v, 2))
            } else if v < 0x10000 {
                out.append("\\u" + hex(v, 4))
            } else {
                out.append("\\U" + hex(v, 8))
            }
        }
    }

    static func hex(_ v: UInt32, _ width: Int) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }

    /// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isPrint(_ sc: Unicode.Scalar) -> Bool {
        let v = sc.value
        if v < 0x80 { return v >= 0x20 && v < 0x7F }
        switch sc.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned,
             .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return false
        default:
            return true
        }
    }
}
