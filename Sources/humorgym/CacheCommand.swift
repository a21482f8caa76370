import ArgumentParser
import Foundation
import HumorGym
import LLM

struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cache", abstract: "The LLM response caches.", subcommands: [Merge.self])

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gather the answers of other caches (a sweep's shards') into one; a request answered differently keeps the first answer and is reported.")

        @Argument(help: "The cache to merge into (an LLM's `cache.path`); created if missing.")
        var into: String

        @Argument(help: "Caches to merge, in this order. Default: the shard files beside INTO (NAME.PART-I-of-N.sqlite), by name.")
        var from: [String] = []

        func run() async throws {
            try await reportingErrors {
                let sources = from.isEmpty ? try Self.shardFiles(beside: into) : from
                guard !sources.isEmpty else { throw HumorGymError("no cache to merge into \(into): name them, or run a sharded sweep, which writes NAME.PART-I-of-N.sqlite beside it") }
                let target: ResponseCache
                do { target = try ResponseCache(path: into) } catch { throw HumorGymError("\(error)") }
                var conflicts = 0
                for source in sources {
                    guard FileManager.default.fileExists(atPath: source) else { throw HumorGymError("cache '\(source)' does not exist") }
                    let merge: ResponseCache.Merge
                    do { merge = try target.merge(from: ResponseCache(path: source, readOnly: true)) } catch { throw HumorGymError("\(source): \(error)") }
                    print("\(source): \(merge.added) answers added, \(merge.same) already there, \(merge.conflicts.count) answered otherwise (kept the answer merged first)")
                    for conflict in merge.conflicts {
                        print("  conflict \(conflict.key.prefix(16)): \(conflict.request.prefix(160))")
                    }
                    conflicts += merge.conflicts.count
                }
                print("\(into): \(try target.count) answers; \(conflicts) conflicts resolved")
            }
        }

        /// `NAME.*-of-*.EXT` beside `NAME.EXT`, sorted by name: what a sharded sweep's processes wrote.
        static func shardFiles(beside path: String) throws -> [String] {
            let url = URL(fileURLWithPath: path), folder = url.deletingLastPathComponent()
            let stem = url.deletingPathExtension().lastPathComponent, ext = url.pathExtension.isEmpty ? "sqlite" : url.pathExtension
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { name in
                name.hasPrefix(stem + ".") && name.hasSuffix("." + ext) && name.dropFirst(stem.count + 1).dropLast(ext.count + 1).contains("-of-")
            }.sorted().map { folder.appendingPathComponent($0).path }
        }
    }
}
