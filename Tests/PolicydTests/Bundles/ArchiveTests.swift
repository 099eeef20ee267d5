import Foundation
import Testing
@testable import policyd

/// The tar/gzip reader and its limits: formats (ustar prefix, GNU long names, PAX), refused
/// entries (links, devices, unsafe paths, duplicates) and every cap, including a gzip bomb.
@Suite struct ArchiveTests {
    /// A raw tar header block for tests that need entries TarWriter never writes.
    static func header(name: String, size: Int, type: Character = "0", prefix: String = "", gnu: Bool = false) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int) { for (i, b) in s.utf8.enumerated() { h[at + i] = b } }
        put(name, 0)
        put("0000600", 100); put("0000000", 108); put("0000000", 116)
        put(String(format: "%011o", size), 124)
        put("00000000000", 136)
        h[156] = UInt8(ascii: type.unicodeScalars.first!)
        if gnu { put("ustar  ", 257) } else { put("ustar", 257); put("00", 263) }
        put(prefix, 345)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o", sum), 148)
        h[155] = 0x20
        return h
    }

    static func entry(_ name: String, _ body: [UInt8], type: Character = "0", prefix: String = "", gnu: Bool = false) -> [UInt8] {
        header(name: name, size: body.count, type: type, prefix: prefix, gnu: gnu) + body
            + [UInt8](repeating: 0, count: (512 - body.count % 512) % 512)
    }

    static func tarGz(_ entries: [[UInt8]]) -> [UInt8] {
        TarWriter.gzip(entries.flatMap { $0 } + [UInt8](repeating: 0, count: 1024))
    }

    static func reason(_ body: () throws -> Void) -> BundleError.Reason? {
        do { try body(); return nil } catch let e as BundleError { return e.reason } catch {
            Issue.record("not a BundleError: \(error)")
            return nil
        }
    }

    @Test func writerOutputReadsBackInOrder() throws {
        var w = TarWriter()
        w.add(name: ".manifest", contents: Array(#"{"revision":"r1"}"#.utf8))
        w.add(name: "a/b/data.json", contents: Array(#"{"x":1}"#.utf8))
        let long = String(repeating: "d", count: 120) + "/policy.rego"
        w.add(name: long, contents: Array("package d\n".utf8))
        let files = try BundleArchive.readTarball(bytes: TarWriter.gzip(w.finish()), limits: .default)
        #expect(files.map(\.name) == [".manifest", "a/b/data.json", long])
        #expect(files[2].bytes == Array("package d\n".utf8))
    }

    @Test func ustarPrefixGnuLongNameAndDotSlash() throws {
        let longName = String(repeating: "g", count: 150) + "/data.json"
        let bytes = Self.tarGz([
            Self.entry("data.json", Array("{}".utf8), prefix: "pre/fix"),
            Self.entry("././@LongLink", Array(longName.utf8) + [0], type: "L", gnu: true),
            Self.entry("truncated-name", Array("{}".utf8), gnu: true),
            Self.entry("./x/data.json", Array("{}".utf8)),
            Self.entry("dir/", [], type: "5"),
        ])
        let files = try BundleArchive.readTarball(bytes: bytes, limits: .default)
        #expect(files.map(\.name) == ["pre/fix/data.json", longName, "x/data.json"])
    }

    @Test func paxPathAndSize() throws {
        let record = TarWriter.paxRecord(key: "path", value: "/pax/named/data.json")
        let bytes = Self.tarGz([Self.entry("PaxHeaders/x", record, type: "x"), Self.entry("short", Array("{}".utf8))])
        #expect(try BundleArchive.readTarball(bytes: bytes, limits: .default).map(\.name) == ["pax/named/data.json"])
    }

    @Test func linksDevicesAndFifosAreRefused() {
        for type: Character in ["1", "2", "3", "4", "6", "S"] {
            let bytes = Self.tarGz([Self.entry("x", [], type: type)])
            #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: bytes, limits: .default) } == .unsupportedEntry, "type \(type)")
        }
    }

    @Test func unsafePathsAreRefused() {
        for name in ["../escape/data.json", "/../escape/data.json", "a/../../b", "a/./b", "a//b", "//abs", "a\\b", "./", "/"] {
            let bytes = Self.tarGz([Self.entry(name, Array("{}".utf8))])
            #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: bytes, limits: .default) } == .unsafePath, "\(name)")
        }
    }

    @Test func duplicateNamesAreRefused() {
        let bytes = Self.tarGz([Self.entry("/data.json", Array("{}".utf8)), Self.entry("data.json", Array("{}".utf8))])
        #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: bytes, limits: .default) } == .duplicateFile)
    }

    @Test func notGzipOrTruncatedOrCorrupt() {
        #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: Array("plain".utf8), limits: .default) } == .badArchive)
        let good = Self.tarGz([Self.entry("data.json", Array("{}".utf8))])
        #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: Array(good.prefix(good.count / 2)), limits: .default) } == .badArchive)
        var corrupt = good
        corrupt[20] ^= 0xFF
        corrupt[21] ^= 0xFF
        #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: corrupt, limits: .default) } != nil)
    }

    @Test func gzipBombStopsAtTheUncompressedLimitWhileInflating() {
        // 32 MiB of zeros in one entry whose header honestly says so: the per-file cap allows it,
        // the total cap (1 MiB) must stop inflation long before the end.
        let size = 32 << 20
        var tar = Self.header(name: "data.json", size: size)
        tar += [UInt8](repeating: 0x20, count: size)
        let bomb = TarWriter.gzip(tar + [UInt8](repeating: 0, count: 1024))
        #expect(bomb.count < 200_000)
        var limits = BundleLimits.default
        limits.maxUncompressedBytes = 1 << 20
        limits.maxFileBytes = 64 << 20
        do {
            _ = try BundleArchive.readTarball(bytes: bomb, limits: limits)
            Issue.record("bomb accepted")
        } catch {
            #expect(error.reason == .limitExceeded)
            #expect(error.message.contains("max_uncompressed_bytes"))
        }
    }

    @Test func perFileCountPathAndCompressedLimits() {
        var limits = BundleLimits.default
        limits.maxFileBytes = 10
        let big = Self.tarGz([Self.entry("data.json", Array(#"{"a":"0123456789"}"#.utf8))])
        #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: big, limits: limits) } == .limitExceeded)

        limits = .default
        limits.maxFiles = 2
        let many = Self.tarGz((0..<3).map { Self.entry("f\($0).rego", Array("package f\n".utf8)) })
        #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: many, limits: limits) } == .limitExceeded)

        limits = .default
        limits.maxPathLength = 20
        let deep = Self.tarGz([Self.entry(String(repeating: "p/", count: 15) + "data.json", Array("{}".utf8))])
        #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: deep, limits: limits) } == .limitExceeded)

        limits = .default
        limits.maxCompressedBytes = 16
        #expect(Self.reason { _ = try BundleArchive.readTarball(bytes: big, limits: limits) } == .limitExceeded)
    }

    @Test func directoryBundlesRefuseSymlinks() throws {
        let dir = NSTemporaryDirectory() + "pd-dir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(#"{"x":1}"#.utf8).write(to: URL(fileURLWithPath: dir + "/a/data.json"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/.manifest"))
        #expect(try BundleArchive.read(path: dir).map(\.name) == [".manifest", "a/data.json"])
        try FileManager.default.createSymbolicLink(atPath: dir + "/evil", withDestinationPath: "/etc/passwd")
        #expect(Self.reason { _ = try BundleArchive.read(path: dir) } == .unsupportedEntry)
    }
}
