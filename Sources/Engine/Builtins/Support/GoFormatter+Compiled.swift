/// A `sprintf` format parsed once, for a format that is a constant in the policy: literal runs
/// and plain verbs (`%s`, `%d`, `%v`, …). Formats with flags, width, precision, argument
/// indexes or a trailing `%` are not compiled and take `GoFormatter.sprintf(String, _)`; a
/// compiled format renders exactly what that would.
extension GoFormatter {
    struct CompiledFormat: Sendable {
        enum Segment: Sendable {
            case literal(String)
            /// A verb without flags, consuming the next argument.
            case verb(Unicode.Scalar)
        }
        let segments: [Segment]
        /// Output size without the arguments (to reserve).
        let literalBytes: Int

        init?(_ format: String) {
            var segments: [Segment] = []
            var lit = String.UnicodeScalarView()
            var bytes = 0
            var it = format.unicodeScalars.makeIterator()
            while let c = it.next() {
                if c != "%" {
                    lit.append(c)
                    continue
                }
                guard let verb = it.next() else { return nil }  // %!(NOVERB)
                if verb == "%" {
                    lit.append("%")
                    continue
                }
                switch verb {
                case "#", "0", "+", "-", " ", "[", "*", ".", "1"..."9": return nil
                default: break
                }
                if !lit.isEmpty {
                    let s = String(lit)
                    bytes += s.utf8.count
                    segments.append(.literal(s))
                    lit = String.UnicodeScalarView()
                }
                segments.append(.verb(verb))
            }
            if !lit.isEmpty {
                let s = String(lit)
                bytes += s.utf8.count
                segments.append(.literal(s))
            }
            self.segments = segments
            literalBytes = bytes
        }
    }

    static func sprintf(_ format: CompiledFormat, _ args: [Arg]) -> String {
        var f = GoFormatter(args: args)
        f.out.reserveCapacity(format.literalBytes + 16 * args.count)
        var argNum = 0
        for seg in format.segments {
            switch seg {
            case .literal(let s):
                f.out += s
            case .verb(let v):
                f.plainVerb(v, &argNum)
            }
        }
        f.appendExtra(argNum)
        return f.out
    }

    /// The common case of a compiled format, straight from the Rego values: every verb is `%s`,
    /// `%v` or `%q` of a string, or `%d` or `%v` of a 64-bit integer, and there are as many
    /// values as verbs. Those print as the string itself (Go-quoted for `%q`) and the
    /// integer's decimal digits (what `printArg` does for them without flags), so no `Arg`
    /// array is built. nil (nothing done) for anything else, which takes `sprintf(_:_:)`.
    static func sprintfDirect(_ format: CompiledFormat, _ values: [Value]) -> String? {
        var verbs = 0
        for seg in format.segments {
            guard case .verb(let v) = seg else { continue }
            guard verbs < values.count else { return nil }
            switch values[verbs] {
            case .string:
                guard v == "s" || v == "v" || v == "q" else { return nil }
            case .number(.int):
                guard v == "d" || v == "v" else { return nil }
            default:
                return nil
            }
            verbs += 1
        }
        guard verbs == values.count else { return nil }
        var out = ""
        out.reserveCapacity(format.literalBytes + 16 * values.count)
        var argNum = 0
        for seg in format.segments {
            switch seg {
            case .literal(let s):
                out += s
            case .verb(let v):
                switch values[argNum] {
                case .string(let s):
                    if v == "q" {
                        // GoQuote.quote, written in place.
                        out.append("\"")
                        for sc in s.unicodeScalars { GoQuote.appendEscaped(sc, quote: "\"", asciiOnly: false, to: &out) }
                        out.append("\"")
                    } else {
                        out += s
                    }
                case .number(.int(let i)): out += String(i)
                default: break
                }
                argNum += 1
            }
        }
        return out
    }

    /// A verb without flags: the next argument, or Go's `%!v(MISSING)`.
    private mutating func plainVerb(_ v: Unicode.Scalar, _ argNum: inout Int) {
        if argNum >= args.count {
            out += "%!\(Character(v))(MISSING)"
            return
        }
        flags = Flags()
        printArg(args[argNum], v)
        argNum += 1
    }

    /// `sprintf` for a format that is not a constant: when every directive is plain (as
    /// `CompiledFormat` accepts), one pass over the format's UTF-8 appending literal runs as
    /// slices; nil (nothing done) otherwise, for the general path.
    static func sprintfPlain(_ format: String, _ args: [Arg]) -> String? {
        let u = format.utf8
        // Check first, so a format with flags costs one scan and no output.
        var i = u.startIndex
        while i != u.endIndex {
            if u[i] == UInt8(ascii: "%") {
                let v = u.index(after: i)
                guard v != u.endIndex else { return nil }
                switch u[v] {
                case UInt8(ascii: "%"): i = u.index(after: v); continue
                case UInt8(ascii: "#"), UInt8(ascii: "0"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "),
                     UInt8(ascii: "["), UInt8(ascii: "*"), UInt8(ascii: "."), UInt8(ascii: "1")...UInt8(ascii: "9"):
                    return nil
                default: break
                }
            }
            u.formIndex(after: &i)
        }
        var f = GoFormatter(args: args)
        f.out.reserveCapacity(u.count + 16 * args.count)
        var argNum = 0
        let scalars = format.unicodeScalars
        var lit = u.startIndex
        i = u.startIndex
        while i != u.endIndex {
            guard u[i] == UInt8(ascii: "%") else {
                u.formIndex(after: &i)
                continue
            }
            let v = u.index(after: i)
            if u[v] == UInt8(ascii: "%") {
                f.out += format[lit..<v]  // the text and one `%`
                i = u.index(after: v)
                lit = i
                continue
            }
            f.out += format[lit..<i]
            // `%` is ASCII, so the verb starts a scalar (it may be non-ASCII).
            f.plainVerb(scalars[v], &argNum)
            i = scalars.index(after: v)
            lit = i
        }
        f.out += format[lit..<u.endIndex]
        f.appendExtra(argNum)
        return f.out
    }
}
