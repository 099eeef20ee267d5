import Crypto
import Engine
import Foundation
@testable import policyd

/// Builds signed (and deliberately broken) bundles for the pipeline and daemon tests.
enum BundleTestKit {
    /// One key pair per test process (PEM text, which is Sendable).
    static let (privatePEM, publicPEM): ([UInt8], [UInt8]) = {
        let k = P256.Signing.PrivateKey()
        return (Array(k.pemRepresentation.utf8), Array(k.publicKey.pemRepresentation.utf8))
    }()
    static let otherPrivatePEM: [UInt8] = Array(P256.Signing.PrivateKey().pemRepresentation.utf8)

    /// Verification settings trusting `key` as k1, requiring scope "prod".
    static func settings(limits: BundleLimits = .default) -> BundleSettings {
        var s = BundleSettings()
        s.verification.keys = ["k1": VerificationKey(algorithm: .es256, material: publicPEM, scope: nil)]
        s.verification.scope = "prod"
        s.limits = limits
        return s
    }

    static func module(_ revision: String, package: String = "authz", extra: String = "") -> String {
        """
        package \(package)

        deny contains "\(revision)"

        allow if input.user == data.\(package).admin

        test_revision_is_denied if "\(revision)" in deny
        \(extra)
        """
    }

    static func files(revision: String, module: String? = nil, roots: [String] = ["authz"], metadata: String? = nil,
                      extra: [BundleFile] = []) -> [BundleFile]
    {
        let manifest = #"{"revision":"\#(revision)","roots":[\#(roots.map { "\"\($0)\"" }.joined(separator: ","))]\#(metadata.map { ",\"metadata\":\($0)" } ?? "")}"#
        return [
            BundleFile(name: ".manifest", bytes: Array(manifest.utf8)),
            BundleFile(name: "\(roots[0])/policy.rego",
                       bytes: Array((module ?? Self.module(revision, package: roots[0].replacingOccurrences(of: "/", with: "."))).utf8)),
            BundleFile(name: "\(roots[0])/data.json", bytes: Array(#"{"admin": "alice"}"#.utf8)),
        ] + extra
    }

    /// A signed tarball; `claims` default: scope prod.
    static func signed(_ files: [BundleFile], claims: String = #"{"scope":"prod"}"#, keyID: String = "k1",
                       privateKey: [UInt8]? = nil) throws -> [UInt8]
    {
        let raw = try CanonicalJSON.parse(Array(claims.utf8))
        return try BundleBuilder.archive(files: files, signing: .init(algorithm: .es256, key: privateKey ?? privatePEM,
                                                                      keyID: keyID, claims: raw))
    }

    static func unsigned(_ files: [BundleFile]) throws -> [UInt8] {
        try BundleBuilder.archive(files: files, signing: nil)
    }

    /// Re-packs a signed tarball after `change` (keeping the old signature), as an attacker would.
    static func tampered(_ bytes: [UInt8], _ change: ([BundleFile]) -> [BundleFile]) throws -> [UInt8] {
        var w = TarWriter()
        for f in change(try BundleArchive.readTarball(bytes: bytes, limits: .default)) { w.add(name: f.name, contents: f.bytes) }
        return TarWriter.gzip(w.finish())
    }

    /// Writes `bytes` as `<dir>/<name>.tar.gz` the way producers should: temp file + rename.
    static func drop(_ bytes: [UInt8], name: String, into dir: String) throws {
        let tmp = dir + "/.\(name).tar.gz.tmp"
        try Data(bytes).write(to: URL(fileURLWithPath: tmp))
        guard rename(tmp, dir + "/\(name).tar.gz") == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    static func tempDir(_ tag: String) throws -> String {
        let d = NSTemporaryDirectory() + "pdb-\(tag)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// The bad drops every pipeline must refuse, with the reason code each must produce.
    static func badDrops(revision: String) throws -> [(label: String, bytes: [UInt8], reason: String)] {
        let good = try signed(files(revision: revision))
        let gzipBomb: [UInt8] = {
            var tar = ArchiveTests.header(name: "authz/data.json", size: 32 << 20)
            tar += [UInt8](repeating: 0x20, count: 32 << 20)
            return TarWriter.gzip(tar + [UInt8](repeating: 0, count: 1024))
        }()
        var noise = [UInt8](repeating: 0, count: 3 << 20)
        var rng = SystemRandomNumberGenerator()
        noise.withUnsafeMutableBytes { raw in
            for i in stride(from: 0, to: raw.count, by: 8) { raw.storeBytes(of: rng.next() as UInt64, toByteOffset: i, as: UInt64.self) }
        }
        let past = Int(Date().timeIntervalSince1970) - 3600
        return [
            ("tampered data", try tampered(good) { fs in fs.map { f in
                f.name.hasSuffix("data.json") ? BundleFile(name: f.name, bytes: Array(#"{"admin": "mallory"}"#.utf8)) : f } }, "digest_mismatch"),
            ("tampered module", try tampered(good) { fs in fs.map { f in
                f.name.hasSuffix(".rego") ? BundleFile(name: f.name, bytes: f.bytes + Array("\nallow if true\n".utf8)) : f } }, "digest_mismatch"),
            ("file missing from the signature", try tampered(good) { $0 + [BundleFile(name: "authz/extra.rego", bytes: Array("package authz\n".utf8))] }, "file_not_signed"),
            ("signed file missing", try tampered(good) { $0.filter { !$0.name.hasSuffix("data.json") } }, "signed_file_missing"),
            ("wrong key", try signed(files(revision: revision), privateKey: otherPrivatePEM), "bad_signature"),
            ("unknown keyid", try signed(files(revision: revision), keyID: "k9"), "unknown_key"),
            ("unsigned", try unsigned(files(revision: revision)), "signatures_missing"),
            ("expired signature", try signed(files(revision: revision), claims: #"{"scope":"prod","exp":\#(past)}"#), "signature_expired"),
            ("wrong scope", try signed(files(revision: revision), claims: #"{"scope":"dev"}"#), "scope_mismatch"),
            ("compile error", try signed(files(revision: revision, module: "package authz\n\nallow if {\n")), "compile_error"),
            ("failing bundle test", try signed(files(revision: revision, module: module(revision, extra: "test_broken if 1 == 2\n"))), "test_failed"),
            ("path traversal", TarWriter.gzip(ArchiveTests.entry("../escape/data.json", Array("{}".utf8)) + [UInt8](repeating: 0, count: 1024)), "unsafe_path"),
            ("oversized", try signed(files(revision: revision, extra: [BundleFile(name: "authz/blob.bin", bytes: noise)])), "limit_exceeded"),
            ("gzip bomb", gzipBomb, "limit_exceeded"),
        ]
    }

    /// Limits for the pipeline tests: small enough for the oversized and bomb drops to trip.
    static let testLimits = BundleLimits(maxCompressedBytes: 2 << 20, maxUncompressedBytes: 8 << 20, maxFiles: 100,
                                         maxFileBytes: 64 << 20, maxPathLength: 256)
}
