/// A tar reader for bundles: ustar, GNU (`L` long names) and PAX (`path`, `size` records).
/// Only regular files are returned; directories and global PAX headers are skipped; links,
/// devices, FIFOs and sparse files reject the archive. Limits are checked from the header
/// before any content is read.
struct TarReader {
    struct Member {
        /// The member name exactly as stored (after PAX/GNU long-name substitution).
        var rawName: String
        var bytes: [UInt8]
    }

    private let source: GzipInflater
    private let limits: BundleLimits

    init(source: GzipInflater, limits: BundleLimits) {
        self.source = source
        self.limits = limits
    }

    /// Reads every member; `accept` sees each regular file's raw name and header size before its
    /// content is read, and may throw to stop early (path and per-file checks).
    func readAll(accept: (String, Int) throws(BundleError) -> Void) throws(BundleError) -> [Member] {
        var members: [Member] = []
        var longName: String? = nil
        var paxPath: String? = nil
        var paxSize: Int? = nil
        while true {
            let block = try source.read(512)
            if block.isEmpty { break }  // tolerate a missing end-of-archive marker
            guard block.count == 512 else { throw BundleError(.archive, .badArchive, "tar stream is truncated") }
            if block.allSatisfy({ $0 == 0 }) { break }
            try verifyChecksum(block)
            let type = block[156]
            let headerSize = try Self.number(block[124..<136])
            let size = paxSize ?? headerSize
            guard size >= 0 else { throw BundleError(.archive, .badArchive, "negative tar entry size") }

            switch type {
            case UInt8(ascii: "x"):
                let records = try readSmall(size, what: "PAX header")
                (paxPath, paxSize) = try Self.parsePAX(records, existingPath: paxPath, existingSize: paxSize)
                continue
            case UInt8(ascii: "g"):
                try skipPadded(size)  // global PAX headers carry nothing a bundle needs
                continue
            case UInt8(ascii: "L"):
                guard size <= limits.maxPathLength + 1 else {
                    throw BundleError(.limits, .limitExceeded, "member path longer than \(limits.maxPathLength) bytes")
                }
                var bytes = try readSmall(size, what: "GNU long name")
                while bytes.last == 0 { bytes.removeLast() }
                longName = try Self.utf8(bytes)
                continue
            case UInt8(ascii: "K"):
                try skipPadded(size)  // a long link target: the link entry that follows is refused
                continue
            default:
                break
            }

            let name: String
            if let n = longName ?? paxPath { name = n } else { name = try Self.headerName(block) }
            longName = nil
            paxPath = nil
            paxSize = nil

            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                try accept(name, size)
                let content = try source.read(size)
                guard content.count == size else { throw BundleError(.archive, .badArchive, "tar entry \(name) is truncated") }
                try source.skip(Self.padding(size))
                members.append(Member(rawName: name, bytes: content))
            case UInt8(ascii: "5"):
                try skipPadded(size)
            case UInt8(ascii: "1"), UInt8(ascii: "2"):
                throw BundleError(.archive, .unsupportedEntry, "links are not allowed in bundles: \(name)")
            case UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"):
                throw BundleError(.archive, .unsupportedEntry, "device and FIFO entries are not allowed in bundles: \(name)")
            default:
                throw BundleError(.archive, .unsupportedEntry,
                                  "unsupported tar entry type '\(String(UnicodeScalar(type)))' for \(name)")
            }
        }
        return members
    }

    private func readSmall(_ size: Int, what: String) throws(BundleError) -> [UInt8] {
        guard size <= min(limits.maxFileBytes, 1 << 20) else {
            throw BundleError(.limits, .limitExceeded, "\(what) of \(size) bytes is too large")
        }
        let bytes = try source.read(size)
        guard bytes.count == size else { throw BundleError(.archive, .badArchive, "tar stream is truncated") }
        try source.skip(Self.padding(size))
        return bytes
    }

    private func skipPadded(_ size: Int) throws(BundleError) {
        try source.skip(size + Self.padding(size))
    }

    private static func padding(_ size: Int) -> Int { (512 - size % 512) % 512 }

    private func verifyChecksum(_ block: [UInt8]) throws(BundleError) {
        let stored = try Self.number(block[148..<156])
        var unsigned = 0
        var signed = 0
        for (i, b) in block.enumerated() {
            let v = (148..<156).contains(i) ? 0x20 : b
            unsigned += Int(v)
            signed += Int(Int8(bitPattern: v))
        }
        guard stored == unsigned || stored == signed else {
            throw BundleError(.archive, .badArchive, "tar header checksum mismatch")
        }
    }

    /// ustar joins `prefix` and `name`; GNU and v7 headers use `name` alone.
    private static func headerName(_ block: [UInt8]) throws(BundleError) -> String {
        let name = cString(block[0..<100])
        let isUstar = block[257..<263].elementsEqual("ustar\0".utf8)
        if isUstar {
            let prefix = cString(block[345..<500])
            if !prefix.isEmpty { return try utf8(prefix + [UInt8(ascii: "/")] + name) }
        }
        return try utf8(name)
    }

    private static func cString(_ field: ArraySlice<UInt8>) -> [UInt8] {
        Array(field.prefix { $0 != 0 })
    }

    private static func utf8(_ bytes: [UInt8]) throws(BundleError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw BundleError(.archive, .unsafePath, "member name is not valid UTF-8")
        }
        return s
    }

    /// Octal (NUL/space padded) or GNU base-256 (high bit set) numeric field.
    static func number(_ field: ArraySlice<UInt8>) throws(BundleError) -> Int {
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            var value = Int(first & 0x7f)
            for b in field.dropFirst() {
                guard value < (Int.max >> 8) else { throw BundleError(.archive, .badArchive, "tar number overflows") }
                value = value << 8 | Int(b)
            }
            return value
        }
        var value = 0
        var seenDigit = false
        for b in field {
            if b == 0 || b == 0x20 {
                if seenDigit { break } else { continue }
            }
            guard b >= 0x30, b <= 0x37 else { throw BundleError(.archive, .badArchive, "invalid octal number in tar header") }
            guard value < (Int.max >> 3) else { throw BundleError(.archive, .badArchive, "tar number overflows") }
            value = value << 3 | Int(b - 0x30)
            seenDigit = true
        }
        return value
    }

    /// PAX records: "<len> <key>=<value>\n". Only `path` and `size` matter here.
    static func parsePAX(_ bytes: [UInt8], existingPath: String?, existingSize: Int?) throws(BundleError)
        -> (String?, Int?)
    {
        var path = existingPath
        var size = existingSize
        var i = 0
        while i < bytes.count {
            var j = i
            var length = 0
            while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 {
                length = length * 10 + Int(bytes[j] - 0x30)
                guard length <= bytes.count else { throw BundleError(.archive, .badArchive, "malformed PAX record") }
                j += 1
            }
            guard j < bytes.count, bytes[j] == 0x20, length > j - i + 1, i + length <= bytes.count,
                  bytes[i + length - 1] == 0x0a
            else { throw BundleError(.archive, .badArchive, "malformed PAX record") }
            let record = bytes[(j + 1)..<(i + length - 1)]
            guard let eq = record.firstIndex(of: UInt8(ascii: "=")) else {
                throw BundleError(.archive, .badArchive, "malformed PAX record")
            }
            let key = String(decoding: record[record.startIndex..<eq], as: UTF8.self)
            let value = Array(record[(eq + 1)...])
            switch key {
            case "path":
                guard let s = String(validating: value, as: UTF8.self) else {
                    throw BundleError(.archive, .unsafePath, "PAX path is not valid UTF-8")
                }
                path = s
            case "size":
                guard let n = Int(String(decoding: value, as: UTF8.self)), n >= 0 else {
                    throw BundleError(.archive, .badArchive, "malformed PAX size")
                }
                size = n
            case "linkpath":
                break
            default:
                break
            }
            i += length
        }
        return (path, size)
    }
}
