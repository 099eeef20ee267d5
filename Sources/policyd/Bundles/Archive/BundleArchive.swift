import Foundation

/// One file of a bundle, under its normalised root-relative name, in archive order.
struct BundleFile: Sendable, Equatable {
    var name: String
    var bytes: [UInt8]
}

/// Reads a bundle's files, from a .tar.gz or an exploded directory, with every limit applied
/// before content is parsed. Names are normalised (BundlePath) and must be unique.
enum BundleArchive {
    static func read(path: String, limits: BundleLimits = .default) throws(BundleError) -> [BundleFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BundleError(.archive, .badArchive, "no such bundle: \(path)")
        }
        if isDirectory.boolValue { return try readDirectory(path, limits: limits) }
        return try readTarball(path: path, limits: limits)
    }

    static func readTarball(path: String, limits: BundleLimits) throws(BundleError) -> [BundleFile] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BundleError(.archive, .badArchive, "cannot open \(path)")
        }
        defer { try? handle.close() }
        // Read at most one byte past the cap, so an oversized file is refused without slurping it.
        let data: Data
        do { data = try handle.read(upToCount: limits.maxCompressedBytes + 1) ?? Data() } catch {
            throw BundleError(.archive, .badArchive, "cannot read \(path): \(error)")
        }
        guard data.count <= limits.maxCompressedBytes else {
            throw BundleError(.limits, .limitExceeded, "bundle file is larger than \(limits.maxCompressedBytes) bytes (max_compressed_bytes)")
        }
        return try readTarball(bytes: [UInt8](data), limits: limits)
    }

    static func readTarball(bytes: [UInt8], limits: BundleLimits) throws(BundleError) -> [BundleFile] {
        guard bytes.count <= limits.maxCompressedBytes else {
            throw BundleError(.limits, .limitExceeded, "bundle file is larger than \(limits.maxCompressedBytes) bytes (max_compressed_bytes)")
        }
        let inflater = try GzipInflater(compressed: bytes, limit: limits.maxUncompressedBytes)
        var seen = Set<String>()
        var count = 0
        let members = try TarReader(source: inflater, limits: limits).readAll { (raw: String, size: Int) throws(BundleError) in
            let name = try BundlePath.normalize(raw, limits: limits)
            count += 1
            guard count <= limits.maxFiles else {
                throw BundleError(.limits, .limitExceeded, "bundle has more than \(limits.maxFiles) files (max_files)")
            }
            guard size <= limits.maxFileBytes else {
                throw BundleError(.limits, .limitExceeded, "bundle file \(name) size (\(size) bytes) exceeds \(limits.maxFileBytes) bytes (max_file_bytes)")
            }
            guard seen.insert(name).inserted else {
                throw BundleError(.archive, .duplicateFile, "duplicate member \(name)")
            }
        }
        var files: [BundleFile] = []
        files.reserveCapacity(members.count)
        for m in members {
            // Already validated in `accept`; normalising again cannot fail.
            files.append(BundleFile(name: try BundlePath.normalize(m.rawName, limits: limits), bytes: m.bytes))
        }
        return files
    }

    /// Walks a directory bundle: regular files only (symlinks and special files refuse the
    /// bundle), sorted by name so the order is stable.
    static func readDirectory(_ root: String, limits: BundleLimits) throws(BundleError) -> [BundleFile] {
        var files: [BundleFile] = []
        var total = 0
        var pending: [String] = [""]
        var names: [String] = []
        while let relative = pending.popLast() {
            let dir = relative.isEmpty ? root : root + "/" + relative
            let entries: [String]
            do { entries = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
                throw BundleError(.archive, .badArchive, "cannot list \(dir): \(error.localizedDescription)")
            }
            for entry in entries {
                let rel = relative.isEmpty ? entry : relative + "/" + entry
                var st = stat()
                guard lstat(root + "/" + rel, &st) == 0 else {
                    throw BundleError(.archive, .badArchive, "cannot stat \(rel)")
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: pending.append(rel)
                case S_IFREG: names.append(rel)
                case S_IFLNK: throw BundleError(.archive, .unsupportedEntry, "links are not allowed in bundles: \(rel)")
                default: throw BundleError(.archive, .unsupportedEntry, "special files are not allowed in bundles: \(rel)")
                }
            }
        }
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard names.count <= limits.maxFiles else {
            throw BundleError(.limits, .limitExceeded, "bundle has more than \(limits.maxFiles) files (max_files)")
        }
        for rel in names {
            let name = try BundlePath.normalize(rel, limits: limits)
            let full = root + "/" + rel
            var st = stat()
            _ = lstat(full, &st)
            guard Int(st.st_size) <= limits.maxFileBytes else {
                throw BundleError(.limits, .limitExceeded, "bundle file \(name) size (\(st.st_size) bytes) exceeds \(limits.maxFileBytes) bytes (max_file_bytes)")
            }
            total += Int(st.st_size)
            guard total <= limits.maxUncompressedBytes else {
                throw BundleError(.limits, .limitExceeded, "bundle is larger than \(limits.maxUncompressedBytes) bytes (max_uncompressed_bytes)")
            }
            guard let data = FileManager.default.contents(atPath: full), data.count <= limits.maxFileBytes else {
                throw BundleError(.archive, .badArchive, "cannot read \(rel)")
            }
            files.append(BundleFile(name: name, bytes: [UInt8](data)))
        }
        return files
    }
}
