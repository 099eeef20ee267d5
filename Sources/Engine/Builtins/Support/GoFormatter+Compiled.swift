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
                if argNum >= args.count {
                    f.out += "%!\(Character(v))(MISSING)"
                    continue
                }
                f.flags = Flags()
                f.printArg(args[argNum], v)
                argNum += 1
            }
        }
        f.appendExtra(argNum)
        return f.out
    }
}
